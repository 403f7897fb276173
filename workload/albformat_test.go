package workload

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The HTTP and HTTPS entries from AWS's "Access logs for your Application
// Load Balancer" page.
const albDocExamples = `http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-"
https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-"
h2 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 257 "GET https://10.0.2.105:773/api/items?page=2 HTTP/2.0" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337327-72bd00b0343d75b906739c42" "-" "-" 1 2018-07-02T22:22:48.364000Z "redirect" "https://example.com:80/" "-" "10.0.0.66:9000" "200" "-" "-" TID_1234abcd5678ef90
`

func TestALBLogParserOnAWSExamples(t *testing.T) {
	recs, err := ReadAll(NewLineReader(strings.NewReader(albDocExamples), ALBLogParser()))
	require.NoError(t, err)
	require.Len(t, recs, 3)
	created := time.Date(2018, 7, 2, 22, 22, 48, 364000000, time.UTC)
	assert.Equal(t, Record{Time: created, ClientIP: netip.MustParseAddr("192.168.131.39"), Method: "GET",
		Host: "www.example.com", Path: "/", Bytes: 34, Line: 1}, recs[0])
	assert.Equal(t, int64(0), recs[1].Bytes)
	assert.Equal(t, "/api/items", recs[2].Path)
	assert.Equal(t, "page=2", recs[2].Query)
	assert.Equal(t, "10.0.2.105", recs[2].Host)
}

func TestALBLogParserErrorsNameTheField(t *testing.T) {
	good := strings.Split(albDocExamples, "\n")[0]
	cases := map[string]string{
		strings.Replace(good, "192.168.131.39:2817", "nowhere", 1):                     "client:port",
		strings.Replace(good, " 34 366 ", " -4 366 ", 1):                               "received_bytes",
		strings.Replace(good, "2018-07-02T22:22:48.364000Z", "yesterday", 1):           "request_creation_time",
		strings.Replace(good, `"GET http://www.example.com:80/ HTTP/1.1"`, `"GET"`, 1): "request",
		"http 2018 short line": "",
	}
	for line, field := range cases {
		_, err := ReadAll(NewLineReader(strings.NewReader(line), ALBLogParser()))
		var fe *FieldError
		require.True(t, errors.As(err, &fe), "%v", err)
		assert.Equal(t, field, fe.Field, line)
		assert.Equal(t, 1, fe.Line)
	}
	// A request the load balancer could not parse holds no request to replay.
	bad := strings.Replace(good, `"GET http://www.example.com:80/ HTTP/1.1"`, `"- - - "`, 1)
	recs, err := ReadAll(NewLineReader(strings.NewReader(bad), ALBLogParser()))
	require.NoError(t, err)
	assert.Empty(t, recs)
}

func FuzzALBLogParser(f *testing.F) {
	for _, l := range strings.Split(albDocExamples, "\n") {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, line string) {
		r, err := albParser{}.ParseLine([]byte(line))
		if err == nil && (r.Bytes < 0 || r.Host == "" || r.Method == "") {
			t.Fatalf("accepted a bad record %+v from %q", r, line)
		}
	})
}
