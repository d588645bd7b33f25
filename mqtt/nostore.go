package mqtt

import "github.com/eclipse/paho.mqtt.golang/packets"

// noStore is a paho Store that keeps nothing. With clean session off, paho
// resends what its store holds when a connection comes up (client.resume),
// racing the writer on each packet's Dup flag (paho issue #703) for the
// very publishes huegate makes as soon as the connection is open. huegate
// has nothing to resume: a fresh paho client serves every connection, and
// its state is published again on connect.
type noStore struct{}

func (noStore) Open()                             {}
func (noStore) Put(string, packets.ControlPacket) {}
func (noStore) Get(string) packets.ControlPacket  { return nil }
func (noStore) All() []string                     { return nil }
func (noStore) Del(string)                        {}
func (noStore) Close()                            {}
func (noStore) Reset()                            {}
