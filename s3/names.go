package s3

import (
	"net/netip"
	"strings"
	"unicode/utf8"
)

// MaxKeyLength is the longest object key S3 accepts, in bytes of UTF-8.
const MaxKeyLength = 1024

// ValidateBucketName checks a general-purpose bucket name against S3's
// naming rules: 3–63 characters of lowercase letters, digits, '.' and '-';
// beginning and ending with a letter or digit; no "..", no IPv4-address
// form, no reserved prefix ("xn--", "sthree-", "amzn-s3-demo-") or suffix
// ("-s3alias", "--ol-s3", ".mrap", "--x-s3"). The error is an *Error with
// code InvalidBucketName whose message names the broken rule.
func ValidateBucketName(name string) error {
	bad := func(why string) error { return ErrInvalidBucketName.withMessage("%s", why).at(name) }
	if len(name) < 3 || len(name) > 63 {
		return bad("bucket names must be between 3 and 63 characters long")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return bad("bucket names can consist only of lowercase letters, numbers, periods and hyphens")
		}
	}
	if !alnum(name[0]) || !alnum(name[len(name)-1]) {
		return bad("bucket names must begin and end with a letter or number")
	}
	if strings.Contains(name, "..") {
		return bad("bucket names must not contain two adjacent periods")
	}
	if a, err := netip.ParseAddr(name); err == nil && a.Is4() {
		return bad("bucket names must not be formatted as an IP address")
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return bad("bucket names must not start with the reserved prefix " + p)
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3"} {
		if strings.HasSuffix(name, s) {
			return bad("bucket names must not end with the reserved suffix " + s)
		}
	}
	return nil
}

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// ValidateKey checks an object key: 1 to MaxKeyLength bytes of valid UTF-8.
// Errors are *Error with code KeyTooLongError or InvalidArgument.
func ValidateKey(key string) error {
	switch {
	case key == "":
		return ErrInvalidArgument.withMessage("object key must not be empty")
	case len(key) > MaxKeyLength:
		return ErrKeyTooLong.at(key[:64] + "...")
	case !utf8.ValidString(key):
		return ErrInvalidArgument.withMessage("object key must be valid UTF-8").at(key)
	}
	return nil
}
