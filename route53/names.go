package route53

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// CanonicalName returns name as Route 53 stores it: lower case and fully
// qualified (with the trailing dot), with the escape \052 decoded to '*'.
// It accepts host-name labels (letters, digits, '-', '_') and a leading '*'
// wildcard label, and rejects empty labels, labels over 63 octets and names
// over 255 octets. Route 53 also stores other printable characters as
// escapes; this model does not.
func CanonicalName(name string) (string, error) {
	if n, ok := fastCanonical(name); ok {
		return n, nil
	}
	if name == "" {
		return "", fmt.Errorf("route53: empty domain name: %w", ErrInvalidDomainName)
	}
	n := strings.ReplaceAll(strings.ToLower(dns.Fqdn(name)), `\052`, "*")
	if c, ok := fastCanonical(n); ok {
		return c, nil
	}
	return "", fmt.Errorf("route53: domain name %q is not valid (labels of 1–63 letters, digits, '-' or '_', a leading '*' label, at most 255 octets): %w", name, ErrInvalidDomainName)
}

// fastCanonical accepts names that are already canonical without
// allocating: the resolver's hot path sees the same canonical names again
// and again.
func fastCanonical(name string) (string, bool) {
	if len(name) < 2 || len(name) > 254 || name[len(name)-1] != '.' || name[0] == '.' {
		return "", false
	}
	label := 0
	for i := 0; i < len(name)-1; i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
			label++
		case c == '*':
			// Only a whole leftmost label may be the wildcard.
			if i != 0 || name[1] != '.' {
				return "", false
			}
			label++
		case c == '.':
			if label == 0 {
				return "", false
			}
			label = 0
			continue
		default:
			return "", false
		}
		if label > 63 {
			return "", false
		}
	}
	return name, true
}

// isSubdomain reports whether child equals parent or lies below it; both
// are canonical.
func isSubdomain(parent, child string) bool {
	if parent == "." {
		return true
	}
	return child == parent || (len(child) > len(parent) && strings.HasSuffix(child, parent) && child[len(child)-len(parent)-1] == '.')
}

// parentName strips the leftmost label ("a.b.c." → "b.c."); the root has no
// parent and returns "".
func parentName(n string) string {
	if n == "." || n == "" {
		return ""
	}
	i := strings.IndexByte(n, '.')
	if i == len(n)-1 {
		return "."
	}
	return n[i+1:]
}
