package cloudfront

import (
	"fmt"
	"strings"
)

// MaxPathPatternLength is the longest path pattern CloudFront accepts, in
// characters.
const MaxPathPatternLength = 255

// MatchPathPattern reports whether a URL path matches a cache behaviour's
// path pattern as CloudFront matches them: "*" matches zero or more
// characters (slashes included, so patterns match in subdirectories), "?"
// matches exactly one, everything else matches itself case-sensitively, and
// a leading "/" on either side is optional. Query strings are not part of
// path and must not be passed in.
func MatchPathPattern(pattern, path string) bool {
	return glob(strings.TrimPrefix(pattern, "/"), strings.TrimPrefix(path, "/"))
}

// glob matches s against pattern, where "*" matches any run of characters
// and "?" any one character.
func glob(pattern, path string) bool {
	// Iterative glob matching with single-star backtracking: linear in
	// practice and never exponential, unlike naive recursion.
	p, s := 0, 0
	star, mark := -1, 0
	for s < len(path) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == path[s]) && pattern[p] != '*':
			p++
			s++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, s
			p++
		case star >= 0:
			p = star + 1
			mark++
			s = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// ValidatePathPattern checks a cache behaviour's path pattern: non-empty,
// at most MaxPathPatternLength characters, printable ASCII.
func ValidatePathPattern(pattern string) error {
	if pattern == "" {
		return fmt.Errorf("cloudfront: PathPattern is empty: %w", ErrInvalidConfig)
	}
	if len(pattern) > MaxPathPatternLength {
		return fmt.Errorf("cloudfront: PathPattern %d characters > %d: %w", len(pattern), MaxPathPatternLength, ErrInvalidConfig)
	}
	for i := 0; i < len(pattern); i++ {
		if c := pattern[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("cloudfront: PathPattern %q: character %q not allowed: %w", pattern, c, ErrInvalidConfig)
		}
	}
	return nil
}
