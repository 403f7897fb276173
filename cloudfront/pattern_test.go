package cloudfront

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMatchPathPattern(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		// The example in distribution-web-values-specify.html.
		{"images/*.jpg", "/images/sample.gif", false},
		{"images/*", "/images/sample.gif", true},
		{"*.gif", "/images/sample.gif", true},
		{"/images/*.jpg", "/images/a/b/c.jpg", true}, // matches in subdirectories
		{"*", "/", true},
		{"*", "/anything/at/all", true},
		{"a?c", "/abc", true},
		{"a?c", "/ac", false},
		{"a?c", "/abbc", false},
		{"*.JPG", "/x.jpg", false}, // case-sensitive
		{"/api/v1/*", "/api/v1/", true},
		{"/api/v1/*", "/api/v2/users", false},
		{"**a**", "/bab", true},
		{"*a*b", "/xaxxbxb", true},
		{"*a*b", "/xaxxbxc", false},
		{"", "/", true},
		{"", "/x", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, MatchPathPattern(tt.pattern, tt.path), "%q vs %q", tt.pattern, tt.path)
	}
}

func TestValidatePathPattern(t *testing.T) {
	require.NoError(t, ValidatePathPattern("/images/*.jpg"))
	for _, bad := range []string{"", strings.Repeat("a", 256), "a b", "é"} {
		require.ErrorIs(t, ValidatePathPattern(bad), ErrInvalidConfig, "%q", bad)
	}
}

// globRegexp is the obviously-correct reference: the pattern as an anchored
// regular expression.
func globRegexp(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`^`)
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(`(?s:.*)`)
		case '?':
			b.WriteString(`(?s:.)`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// FuzzMatchPathPattern checks the linear matcher against the regexp
// reference on byte strings (the reference works on runes, so inputs are
// kept to ASCII, as CloudFront's patterns are).
func FuzzMatchPathPattern(f *testing.F) {
	f.Add("images/*.jpg", "/images/a.jpg")
	f.Add("*a?b*", "/xxaybzz")
	f.Add("/a*b*c*d", "/abcbcd")
	f.Fuzz(func(t *testing.T, pattern, path string) {
		for _, s := range []string{pattern, path} {
			for i := 0; i < len(s); i++ {
				if s[i] >= 0x80 {
					return
				}
			}
		}
		p := strings.TrimPrefix(pattern, "/")
		want := globRegexp(p).MatchString(strings.TrimPrefix(path, "/"))
		if got := MatchPathPattern(pattern, path); got != want {
			t.Fatalf("MatchPathPattern(%q, %q) = %v, regexp says %v", pattern, path, got, want)
		}
	})
}
