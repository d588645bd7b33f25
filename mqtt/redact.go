package mqtt

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
)

const redacted = "xxxxx"

// newRedactor returns a replacer that masks every password the client knows
// about, in the spellings it may take inside an error text or URL. Errors from
// paho and the network can quote the broker URL, credentials included.
func newRedactor(broker *url.URL, password string) *strings.Replacer {
	secrets := []string{password}
	if pw, ok := broker.User.Password(); ok {
		secrets = append(secrets, pw)
	}
	var spellings []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		userinfo := url.UserPassword("", s).String() // ":" + escaped password
		spellings = append(spellings, s, url.QueryEscape(s), url.PathEscape(s), userinfo[1:])
	}
	// Longest first, so a secret that contains another is masked whole.
	slices.SortFunc(spellings, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b))
	})
	spellings = slices.Compact(spellings)
	pairs := make([]string, 0, 2*len(spellings))
	for _, s := range spellings {
		pairs = append(pairs, s, redacted)
	}
	return strings.NewReplacer(pairs...)
}

// redact returns err's text with passwords masked ("" for nil).
func (c *Client) redact(err error) string {
	if err == nil {
		return ""
	}
	return c.redactor.Replace(err.Error())
}
