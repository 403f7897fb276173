package cloudfront

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrMalformedLog is returned for an access log line that does not parse.
var ErrMalformedLog = errors.New("cloudfront: malformed access log line")

// LogFields is the header of CloudFront's standard (legacy) access log,
// whose fields each line lists in this order, separated by tabs.
const LogFields = "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) " +
	"cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes " +
	"time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status " +
	"fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len " +
	"sc-range-start sc-range-end"

const logFieldCount = 33

// Result types in x-edge-result-type.
const (
	ResultHit        = "Hit"
	ResultRefreshHit = "RefreshHit"
	ResultMiss       = "Miss"
	ResultError      = "Error"
	ResultRedirect   = "Redirect"
)

// LogRecord is one line of a standard access log. Empty strings and zero
// numbers are written as "-" where CloudFront does. workload's replay
// reads Time, ClientIP, Method, HostHeader, URIStem, URIQuery and the sizes.
type LogRecord struct {
	// Time is when the edge finished the response, to the second, in UTC.
	Time time.Time
	// EdgeLocation is x-edge-location, such as "IAD-C1".
	EdgeLocation string
	// Bytes is sc-bytes, the bytes served to the viewer.
	Bytes int64
	// ClientIP is c-ip.
	ClientIP string
	// Method is cs-method.
	Method string
	// Host is cs(Host), the distribution's CloudFront domain name.
	Host string
	// URIStem is the path; URIQuery the query string without "?".
	URIStem, URIQuery string
	// Status is sc-status (0 when the viewer went away first).
	Status int
	// Referer, UserAgent and Cookie are the viewer's headers, unescaped.
	Referer, UserAgent, Cookie string
	// ResultType is x-edge-result-type (Hit, RefreshHit, Miss, Error...).
	ResultType string
	// RequestID is x-edge-request-id.
	RequestID string
	// HostHeader is x-host-header, the Host the viewer sent.
	HostHeader string
	// Protocol is cs-protocol, "http" or "https".
	Protocol string
	// RequestBytes is cs-bytes.
	RequestBytes int64
	// TimeTaken is time-taken: from request arrival to last byte sent.
	TimeTaken time.Duration
	// ForwardedFor is x-forwarded-for.
	ForwardedFor string
	// SSLProtocol and SSLCipher describe the viewer's TLS session.
	SSLProtocol, SSLCipher string
	// ResponseResultType is x-edge-response-result-type.
	ResponseResultType string
	// ProtocolVersion is cs-protocol-version, such as "HTTP/2.0".
	ProtocolVersion string
	// FLEStatus and FLEEncryptedFields describe field-level encryption.
	FLEStatus, FLEEncryptedFields string
	// ClientPort is c-port.
	ClientPort int
	// TimeToFirstByte is time-to-first-byte.
	TimeToFirstByte time.Duration
	// DetailedResultType is x-edge-detailed-result-type.
	DetailedResultType string
	// ContentType and ContentLength are sc-content-type and sc-content-len.
	ContentType   string
	ContentLength int64
	// RangeStart and RangeEnd are sc-range-start/end; -1 when absent.
	RangeStart, RangeEnd int64
}

// WriteLogHeader writes the two comment lines that open every log file.
func WriteLogHeader(w io.Writer) error {
	_, err := io.WriteString(w, "#Version: 1.0\n#Fields: "+LogFields+"\n")
	return err
}

// AppendTo appends the record as one tab-separated line with a newline.
func (r LogRecord) AppendTo(b []byte) []byte {
	t := r.Time.UTC()
	b = t.AppendFormat(b, "2006-01-02\t15:04:05")
	b = appendField(b, r.EdgeLocation)
	b = appendInt(b, r.Bytes)
	b = appendField(b, r.ClientIP)
	b = appendField(b, r.Method)
	b = appendField(b, r.Host)
	b = appendField(b, r.URIStem)
	b = append(b, '\t')
	if r.Status == 0 {
		b = append(b, '0', '0', '0')
	} else {
		b = strconv.AppendInt(b, int64(r.Status), 10)
	}
	b = appendEscaped(b, r.Referer)
	b = appendEscaped(b, r.UserAgent)
	b = appendField(b, r.URIQuery)
	b = appendEscaped(b, r.Cookie)
	b = appendField(b, r.ResultType)
	b = appendField(b, r.RequestID)
	b = appendField(b, r.HostHeader)
	b = appendField(b, r.Protocol)
	b = appendInt(b, r.RequestBytes)
	b = appendSeconds(b, r.TimeTaken)
	b = appendField(b, r.ForwardedFor)
	b = appendField(b, r.SSLProtocol)
	b = appendField(b, r.SSLCipher)
	b = appendField(b, r.ResponseResultType)
	b = appendField(b, r.ProtocolVersion)
	b = appendField(b, r.FLEStatus)
	b = appendField(b, r.FLEEncryptedFields)
	b = appendInt(b, int64(r.ClientPort))
	b = appendSeconds(b, r.TimeToFirstByte)
	b = appendField(b, r.DetailedResultType)
	b = appendField(b, r.ContentType)
	b = appendInt(b, r.ContentLength)
	b = appendRange(b, r.RangeStart)
	b = appendRange(b, r.RangeEnd)
	return append(b, '\n')
}

// appendField appends a tab and v, or "-" when v is empty. Tabs and line
// breaks are escaped so a line stays one record.
func appendField(b []byte, v string) []byte {
	b = append(b, '\t')
	if v == "" {
		return append(b, '-')
	}
	return escape(b, v, false)
}

// appendEscaped is appendField for free-text headers, which CloudFront
// URL-encodes (spaces become %20).
func appendEscaped(b []byte, v string) []byte {
	b = append(b, '\t')
	if v == "" {
		return append(b, '-')
	}
	return escape(b, v, true)
}

func escape(b []byte, v string, spaces bool) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(v); i++ {
		c := v[i]
		ctl := c == '\t' || c == '\n' || c == '\r'
		if spaces {
			ctl = c <= ' ' || c == '%' || c >= 0x7f || (c == '-' && len(v) == 1)
		}
		if ctl {
			b = append(b, '%', hex[c>>4], hex[c&15])
			continue
		}
		b = append(b, c)
	}
	return b
}

func appendInt(b []byte, n int64) []byte {
	b = append(b, '\t')
	return strconv.AppendInt(b, n, 10)
}

func appendRange(b []byte, n int64) []byte {
	if n < 0 {
		return append(b, '\t', '-')
	}
	return appendInt(b, n)
}

func appendSeconds(b []byte, d time.Duration) []byte {
	b = append(b, '\t')
	return strconv.AppendFloat(b, d.Seconds(), 'f', 3, 64)
}

// ParseLogLine parses one data line of a standard access log (not a "#"
// comment). Errors wrap ErrMalformedLog.
func ParseLogLine(line string) (LogRecord, error) {
	line = strings.TrimRight(line, "\r\n")
	f := strings.Split(line, "\t")
	if len(f) != logFieldCount {
		return LogRecord{}, fmt.Errorf("%w: %d fields, want %d", ErrMalformedLog, len(f), logFieldCount)
	}
	var r LogRecord
	var err error
	if r.Time, err = time.Parse("2006-01-02 15:04:05", f[0]+" "+f[1]); err != nil {
		return LogRecord{}, fmt.Errorf("%w: date/time: %v", ErrMalformedLog, err)
	}
	r.Time = r.Time.Truncate(time.Second)
	p := fieldParser{f: f}
	r.EdgeLocation = p.str(2)
	r.Bytes = p.int(3)
	r.ClientIP = p.str(4)
	r.Method = p.str(5)
	r.Host = p.str(6)
	r.URIStem = p.str(7)
	r.Status = int(p.int(8))
	r.Referer = p.text(9)
	r.UserAgent = p.text(10)
	r.URIQuery = p.str(11)
	r.Cookie = p.text(12)
	r.ResultType = p.str(13)
	r.RequestID = p.str(14)
	r.HostHeader = p.str(15)
	r.Protocol = p.str(16)
	r.RequestBytes = p.int(17)
	r.TimeTaken = p.seconds(18)
	r.ForwardedFor = p.str(19)
	r.SSLProtocol = p.str(20)
	r.SSLCipher = p.str(21)
	r.ResponseResultType = p.str(22)
	r.ProtocolVersion = p.str(23)
	r.FLEStatus = p.str(24)
	r.FLEEncryptedFields = p.str(25)
	r.ClientPort = int(p.int(26))
	r.TimeToFirstByte = p.seconds(27)
	r.DetailedResultType = p.str(28)
	r.ContentType = p.str(29)
	r.ContentLength = p.int(30)
	r.RangeStart = p.rng(31)
	r.RangeEnd = p.rng(32)
	if p.err != nil {
		return LogRecord{}, p.err
	}
	return r, nil
}

// ParseAccessLog reads a whole log: comment lines are skipped, every other
// line must parse.
func ParseAccessLog(rd io.Reader) ([]LogRecord, error) {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var out []LogRecord
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		r, err := ParseLogLine(line)
		if err != nil {
			return out, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

type fieldParser struct {
	f   []string
	err error
}

func (p *fieldParser) str(i int) string {
	if v := p.f[i]; v != "-" {
		return v
	}
	return ""
}

// text reads a URL-encoded free-text field.
func (p *fieldParser) text(i int) string {
	v := p.str(i)
	if !strings.Contains(v, "%") {
		return v
	}
	return unescape(v)
}

// unescape decodes %XX sequences, leaving malformed ones as they are.
func unescape(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '%' && i+2 < len(v) {
			if n, err := strconv.ParseUint(v[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(n))
				i += 2
				continue
			}
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

func (p *fieldParser) int(i int) int64 {
	v := p.f[i]
	if v == "-" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("%w: field %d %q: %v", ErrMalformedLog, i+1, v, err)
	}
	return n
}

func (p *fieldParser) rng(i int) int64 {
	if p.f[i] == "-" {
		return -1
	}
	return max(p.int(i), -1)
}

func (p *fieldParser) seconds(i int) time.Duration {
	v := p.f[i]
	if v == "-" {
		return 0
	}
	s, err := strconv.ParseFloat(v, 64)
	if err != nil || !(s >= 0 && s <= 1e9) {
		if p.err == nil {
			p.err = fmt.Errorf("%w: field %d %q is not seconds", ErrMalformedLog, i+1, v)
		}
		return 0
	}
	// The log has millisecond resolution.
	return time.Duration(math.Round(s*1000)) * time.Millisecond
}
