package cloudfront

import (
	"bytes"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/workload"
)

// A line in the documented format (AccessLogs.html example, second line).
const sampleLogLine = "2019-12-13\t21:20:38\tLAX1\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\t-\t" +
	"Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)\t-\t-\tHit\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\t" +
	"d111111abcdef8.cloudfront.net\thttps\t23\t0.001\t-\tTLSv1.2\tECDHE-RSA-AES128-GCM-SHA256\tHit\tHTTP/2.0\t-\t-\t11040\t0.001\tHit\ttext/html\t78\t-\t-"

func TestParseLogLine(t *testing.T) {
	r, err := ParseLogLine(sampleLogLine)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2019, 12, 13, 21, 20, 38, 0, time.UTC), r.Time)
	assert.Equal(t, "LAX1", r.EdgeLocation)
	assert.Equal(t, int64(392), r.Bytes)
	assert.Equal(t, "GET", r.Method)
	assert.Equal(t, "/index.html", r.URIStem)
	assert.Equal(t, 200, r.Status)
	assert.Equal(t, "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", r.UserAgent)
	assert.Equal(t, "", r.Referer)
	assert.Equal(t, ResultHit, r.ResultType)
	assert.Equal(t, time.Millisecond, r.TimeTaken)
	assert.Equal(t, 11040, r.ClientPort)
	assert.Equal(t, int64(-1), r.RangeStart)
	// Writing it back gives the same line.
	assert.Equal(t, sampleLogLine+"\n", string(r.AppendTo(nil)))
}

func TestParseAccessLog(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteLogHeader(&buf))
	buf.WriteString(sampleLogLine + "\n")
	recs, err := ParseAccessLog(&buf)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	_, err = ParseAccessLog(strings.NewReader("#Version: 1.0\nnot a log line\n"))
	assert.ErrorIs(t, err, ErrMalformedLog)
	_, err = ParseLogLine(strings.Replace(sampleLogLine, "\t392\t", "\tmany\t", 1))
	assert.ErrorIs(t, err, ErrMalformedLog)
}

// FuzzParseLogLine: the parser never panics, and what it accepts writes
// back to a line that parses to the same record.
func FuzzParseLogLine(f *testing.F) {
	f.Add(sampleLogLine)
	f.Add(strings.Repeat("-\t", 32) + "-")
	f.Fuzz(func(t *testing.T, line string) {
		if strings.ContainsAny(line, "\r\n") {
			return
		}
		r, err := ParseLogLine(line)
		if err != nil {
			return
		}
		back, err := ParseLogLine(string(r.AppendTo(nil)))
		if err != nil {
			t.Fatalf("re-parse of %q: %v", r.AppendTo(nil), err)
		}
		if back != r {
			t.Fatalf("round trip changed\n%+v\nto\n%+v", r, back)
		}
	})
}

// TestLogParserForReplay: a log written by a run reads back through
// workload's line reader as the requests the viewers sent.
func TestLogParserForReplay(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteLogHeader(&buf))
	buf.WriteString(sampleLogLine + "\n")
	rd := workload.NewLineReader(&buf, LogParser())
	rec, err := rd.Read()
	require.NoError(t, err)
	assert.Equal(t, time.Date(2019, 12, 13, 21, 20, 37, 999_000_000, time.UTC), rec.Time)
	assert.Equal(t, netip.MustParseAddr("192.0.2.100"), rec.ClientIP)
	assert.Equal(t, "GET", rec.Method)
	assert.Equal(t, "/index.html", rec.Path)
	assert.Equal(t, "d111111abcdef8.cloudfront.net", rec.Host)
	assert.Equal(t, int64(23), rec.Bytes)
	_, err = rd.Read()
	assert.ErrorIs(t, err, io.EOF)

	_, err = workload.NewLineReader(strings.NewReader("garbage\n"), LogParser()).Read()
	assert.ErrorIs(t, err, workload.ErrBadRecord)
	assert.ErrorIs(t, err, ErrMalformedLog)
}
