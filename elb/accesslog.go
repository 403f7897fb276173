package elb

import (
	"strconv"

	"github.com/nimbus-sim/nimbus/sim"
)

// writeLog appends one access-log line. ALB lines follow AWS's documented
// field order: type time elb client:port target:port request_processing_time
// target_processing_time response_processing_time elb_status_code
// target_status_code received_bytes sent_bytes "request" "user_agent"
// ssl_cipher ssl_protocol target_group_arn "trace_id" "domain_name"
// "chosen_cert_arn" matched_rule_priority request_creation_time
// "actions_executed" "redirect_url" "error_reason" "target:port_list"
// "target_status_code_list" "classification" "classification_reason"
// conn_trace_id. NLB lines use the NLB format's leading fields.
func (lb *LoadBalancer) writeLog(f *flight, resp sim.Response, elbAnswer bool) {
	b := lb.logBuf[:0]
	now := lb.s.Now()
	wall := func(t sim.Time) []byte {
		return lb.s.Wall(t).UTC().AppendFormat(nil, "2006-01-02T15:04:05.000000Z")
	}
	req := f.req
	client := req.Client.IP.String() + ":" + strconv.Itoa(int(req.SrcPort))
	target, tcode := "-", "-"
	reqT, targT, respT := 0.0, -1.0, -1.0
	if f.m != nil && !elbAnswer || (f.m != nil && resp.Status == 502) {
		target = f.m.id + ":" + strconv.Itoa(int(f.group.cfg.Port))
	}
	if f.m != nil && !elbAnswer {
		tcode = strconv.Itoa(resp.Status)
		reqT = f.sent.Sub(f.enter).Seconds()
		targT = now.Sub(f.sent).Seconds()
		respT = 0
	}
	if lb.cfg.Type == Network || lb.cfg.Type == Gateway {
		// NLB: type version time elb listener client:port destination:port
		// connection_time tls_handshake_time received_bytes sent_bytes ...
		b = append(b, "tcp 2.0 "...)
		b = append(b, wall(now)...)
		b = append(b, ' ')
		b = append(b, lb.dim...)
		b = append(b, " -  "...)
		b = append(b, client...)
		b = append(b, ' ')
		b = append(b, target...)
		b = append(b, ' ')
		b = strconv.AppendInt(b, now.Sub(f.enter).Milliseconds(), 10)
		b = append(b, " - "...)
		b = strconv.AppendInt(b, req.Bytes, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, resp.Bytes, 10)
		b = append(b, " - - - - - - -\n"...)
	} else {
		proto := "http"
		if req.Protocol == "" || req.Protocol == "HTTPS" {
			proto = "https"
		}
		b = append(b, proto...)
		b = append(b, ' ')
		b = append(b, wall(now)...)
		b = append(b, ' ')
		b = append(b, lb.dim...)
		b = append(b, ' ')
		b = append(b, client...)
		b = append(b, ' ')
		b = append(b, target...)
		for _, x := range []float64{reqT, targT, respT} {
			b = append(b, ' ')
			b = strconv.AppendFloat(b, x, 'f', 3, 64)
		}
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(resp.Status), 10)
		b = append(b, ' ')
		b = append(b, tcode...)
		b = append(b, ' ')
		b = strconv.AppendInt(b, req.Bytes, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, resp.Bytes, 10)
		b = append(b, ` "`...)
		method := req.Method
		if method == "" {
			method = "GET"
		}
		port := "443"
		if proto == "http" {
			port = "80"
		}
		url := proto + "://" + req.Host + ":" + port + req.Path
		if req.Query != "" {
			url += "?" + req.Query
		}
		b = append(b, method+" "+url+" HTTP/1.1"...)
		ua, ok := req.Header("User-Agent")
		if !ok {
			ua = "-"
		}
		b = append(b, `" "`...)
		b = append(b, ua...)
		b = append(b, `" `...)
		if proto == "https" {
			b = append(b, "ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 "...)
		} else {
			b = append(b, "- - "...)
		}
		if f.group != nil {
			b = append(b, f.group.arn...)
		} else {
			b = append(b, '-')
		}
		b = append(b, ` "Root=1-`...)
		b = strconv.AppendUint(b, uint64(lb.s.Wall(f.enter).Unix()), 16)
		b = append(b, '-')
		b = strconv.AppendUint(b, req.ID, 16)
		b = append(b, `" "`...)
		b = append(b, req.Host...)
		b = append(b, `" "-" `...)
		b = strconv.AppendInt(b, int64(f.rulePrio), 10)
		b = append(b, ' ')
		b = append(b, wall(f.enter)...)
		b = append(b, ` "`...)
		b = append(b, f.action...)
		b = append(b, `" "`...)
		if loc, ok := resp.Header("Location"); ok {
			b = append(b, loc...)
		} else {
			b = append(b, '-')
		}
		b = append(b, `" "`...)
		if elbAnswer && resp.Reason != "" {
			b = append(b, resp.Reason...)
		} else {
			b = append(b, '-')
		}
		b = append(b, `" "`...)
		b = append(b, target...)
		b = append(b, `" "`...)
		b = append(b, tcode...)
		b = append(b, `" "-" "-" -`+"\n"...)
	}
	lb.logBuf = b
	_, _ = lb.log.Write(b)
}
