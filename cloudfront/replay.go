package cloudfront

import (
	"net/netip"

	"github.com/nimbus-sim/nimbus/workload"
)

// LogParser returns a workload.LineParser for standard access logs, so a
// CloudFront log (recorded from a run or downloaded from S3) can be
// replayed with workload.NewLineReader and workload.NewReplay. Comment
// lines are skipped. A record's Time is when the viewer sent the request:
// the log's time (when the edge finished) minus time-taken, to the
// second's resolution of the log. Host is the Host the viewer sent, Bytes
// the request size (cs-bytes).
func LogParser() workload.LineParser {
	return workload.LineParserFunc(func(line []byte) (workload.Record, error) {
		if len(line) == 0 || line[0] == '#' {
			return workload.Record{}, workload.ErrSkipLine
		}
		r, err := ParseLogLine(string(line))
		if err != nil {
			return workload.Record{}, &workload.FieldError{Err: err}
		}
		rec := workload.Record{Time: r.Time.Add(-r.TimeTaken), Method: r.Method, Host: r.HostHeader,
			Path: r.URIStem, Query: r.URIQuery, Bytes: r.RequestBytes}
		if rec.Host == "" {
			rec.Host = r.Host
		}
		if r.ClientIP != "" {
			ip, err := netip.ParseAddr(r.ClientIP)
			if err != nil {
				return workload.Record{}, &workload.FieldError{Field: "c-ip", Err: err}
			}
			rec.ClientIP = ip
		}
		return rec, nil
	})
}
