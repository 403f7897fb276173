package route53

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCanonicalName(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"example.com", "example.com.", true},
		{"WWW.Example.COM.", "www.example.com.", true},
		{"*.example.com", "*.example.com.", true},
		{`\052.example.com.`, "*.example.com.", true},
		{"_sip._tcp.example.com", "_sip._tcp.example.com.", true},
		{"a..b.com", "", false},
		{".example.com", "", false},
		{"", "", false},
		{"a b.com", "", false},
		{"a.*.com", "", false},
		{strings.Repeat("a", 64) + ".com", "", false},
		{strings.Repeat("a", 63) + ".com", strings.Repeat("a", 63) + ".com.", true},
		{strings.Repeat("abcdefghi.", 26), "", false}, // 260 octets
	}
	for _, tc := range tests {
		got, err := CanonicalName(tc.in)
		if !tc.ok {
			require.Error(t, err, tc.in)
			assert.True(t, errors.Is(err, ErrInvalidDomainName), tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func FuzzCanonicalName(f *testing.F) {
	for _, s := range []string{"example.com", "A.B.", "*.x.y", `\052.a`, "a..b", "", ".", "-a.b_c."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		n, err := CanonicalName(in)
		if err != nil {
			return
		}
		// Canonical names are stable, fully qualified, lower case and short.
		again, err := CanonicalName(n)
		if err != nil || again != n {
			t.Fatalf("CanonicalName(%q) = %q, then %q, %v", in, n, again, err)
		}
		if !strings.HasSuffix(n, ".") || strings.ToLower(n) != n || len(n) > 254 {
			t.Fatalf("CanonicalName(%q) = %q not canonical", in, n)
		}
		if p := parentName(n); p != "" && !isSubdomain(p, n) {
			t.Fatalf("parent %q of %q does not contain it", p, n)
		}
	})
}
