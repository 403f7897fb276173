package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"os"
	"path/filepath"

	"github.com/nimbus-sim/nimbus/billing"
	"github.com/nimbus-sim/nimbus/cloudwatch"
)

// writeFiles renders the dashboard PNG and the HTML report into c.out.
func (sh *shop) writeFiles(c config, r *Result) error {
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return err
	}
	var png bytes.Buffer
	if err := sh.cw.RenderDashboard(sh.dashboard(c, at(c.horizon)), &png, cloudwatch.FormatPNG); err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	dash := filepath.Join(c.out, "dashboard.png")
	if err := os.WriteFile(dash, png.Bytes(), 0o644); err != nil {
		return err
	}
	page := filepath.Join(c.out, "report.html")
	r.Files = []string{dash, page}
	var html bytes.Buffer
	if err := reportTemplate.Execute(&html, reportData{R: r, C: c, Dashboard: template.URL("data:image/png;base64," +
		base64.StdEncoding.EncodeToString(png.Bytes())), End: sh.s.Wall(at(c.horizon)).Format("2006-01-02 15:04 UTC"),
		Start: sh.s.Wall(at(0)).Format("2006-01-02 15:04 UTC")}); err != nil {
		return err
	}
	return os.WriteFile(page, html.Bytes(), 0o644)
}

type reportData struct {
	R          *Result
	C          config
	Dashboard  template.URL
	Start, End string
}

// bar is a cost's share of the largest one, in percent, for CSS bars.
func bar(v, maxV float64) float64 {
	if maxV <= 0 {
		return 0
	}
	return 100 * v / maxV
}

// maxCost returns the largest cost of a view.
func maxCost(cs []billing.Cost) float64 {
	m := 0.0
	for _, c := range cs {
		m = max(m, c.USD)
	}
	return m
}

// event names what happens in an hour of the scenario.
func event(c config, hour int) string {
	var e string
	if c.flashHour >= 0 && hour == int(c.flashHour) {
		e = "flash sale"
	}
	if c.failHour >= 0 && hour == int(c.failHour) {
		if e != "" {
			e += ", "
		}
		e += c.failAZ + " fails"
	}
	return e
}

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"bar":   bar,
	"pct":   pct,
	"usd":   func(v float64) string { return fmt.Sprintf("$%.4f", v) },
	"ms":    func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"maxc":  maxCost,
	"pct2":  func(x float64) float64 { return 100 * x },
	"event": event,
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>nimbus webshop report</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1120px;color:#16191f;background:#fafafa}
h1{font-size:24px;margin-bottom:4px} h2{font-size:18px;margin-top:28px;border-bottom:1px solid #d5dbdb;padding-bottom:4px}
.sub{color:#545b64;margin-top:0}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border:1px solid #d5dbdb;border-radius:6px;padding:10px 14px;min-width:150px}
.card b{display:block;font-size:22px}
.card span{color:#545b64;font-size:13px}
table{border-collapse:collapse;background:#fff;font-size:13px}
td,th{border:1px solid #e1e4e8;padding:3px 8px;text-align:right}
th{background:#f2f3f3} td.l,th.l{text-align:left}
tr.mark td{background:#fff4e5}
.bar{background:#0972d3;height:12px;display:inline-block;vertical-align:middle}
img{max-width:100%;border:1px solid #d5dbdb;background:#fff}
.cols{display:flex;gap:24px;flex-wrap:wrap}
</style></head><body>
<h1>Webshop: a day of shopping, replayed</h1>
<p class="sub">{{.Start}} – {{.End}} · seed {{.R.Seed}} · scale {{.R.Scale}} · fleet: {{.R.Fleet}} · Route 53 → CloudFront → ALB (3 AZs) → EC2 in private subnets → S3</p>
<div class="cards">
<div class="card"><b>{{.R.Requests.Generated}}</b><span>requests generated</span></div>
<div class="card"><b>{{.R.Requests.Errors}}</b><span>errors ({{printf "%.3f" (pct .R.Requests.Errors .R.Requests.Generated)}}%)</span></div>
<div class="card"><b>{{ms .R.P50Ms}} / {{ms .R.P99Ms}} ms</b><span>p50 / p99 latency</span></div>
<div class="card"><b>{{.R.SLO.ViolationMinutes}}</b><span>SLO-violation minutes</span></div>
<div class="card"><b>{{printf "$%.2f" .R.Cost.TotalUSD}}</b><span>cost of the run</span></div>
<div class="card"><b>{{.R.Instances.PeakHealthy}}</b><span>peak healthy instances</span></div>
<div class="card"><b>{{printf "%.1f" (pct2 .R.CDN.HitRatio)}}%</b><span>CloudFront hit ratio</span></div>
</div>
<h2>Dashboard</h2>
<img alt="CloudWatch dashboard of the run" src="{{.Dashboard}}">
<h2>Accounting</h2>
<p>{{.R.Requests.Generated}} generated = {{.R.Requests.Completed}} answered + {{.R.Requests.Failed}} dropped + {{.R.Requests.InFlight}} in flight;
{{.R.Requests.Static}} static, {{.R.Requests.Dynamic}} dynamic.
SLO: p99 ≤ {{ms .R.SLO.P99Ms}} ms and errors ≤ {{printf "%.1f" (pct2 .R.SLO.ErrorShare)}}% in every minute.</p>
<div class="cols">
<div><h2>Errors by cause</h2><table><tr><th class="l">cause</th><th>count</th></tr>
{{range .R.Errors}}<tr><td class="l">{{.Cause}}</td><td>{{.Count}}</td></tr>{{else}}<tr><td class="l" colspan="2">none</td></tr>{{end}}
</table></div>
<div><h2>Cost by service</h2>{{$s := .R.Cost.ByService}}{{$m := maxc $s}}<table><tr><th class="l">service</th><th>USD</th><th class="l"></th></tr>
{{range $s}}<tr><td class="l">{{.Key}}</td><td>{{usd .USD}}</td><td class="l"><span class="bar" style="width:{{printf "%.0f" (bar .USD $m)}}px"></span></td></tr>{{end}}
</table></div>
<div><h2>Cost by tag <i>tier</i></h2>{{$t := .R.Cost.ByTag}}{{$n := maxc $t}}<table><tr><th class="l">tier</th><th>USD</th><th class="l"></th></tr>
{{range $t}}<tr><td class="l">{{.Key}}</td><td>{{usd .USD}}</td><td class="l"><span class="bar" style="width:{{printf "%.0f" (bar .USD $n)}}px"></span></td></tr>{{end}}
</table></div>
</div>
<h2>Hour by hour</h2>
<table><tr><th>hour (UTC)</th><th>requests</th><th>errors</th><th>p50 ms</th><th>p99 ms</th><th>healthy min</th><th>mean</th><th>max</th><th>launched max</th><th class="l">event</th></tr>
{{range .R.Hourly}}{{$e := event $.C .Hour}}<tr{{if $e}} class="mark"{{end}}><td>{{printf "%02d:00" .Hour}}</td><td>{{.Requests}}</td><td>{{.Errors}}</td><td>{{ms .P50Ms}}</td><td>{{ms .P99Ms}}</td><td>{{.HealthyMin}}</td><td>{{printf "%.1f" .HealthyMean}}</td><td>{{.HealthyMax}}</td><td>{{.LaunchedMax}}</td><td class="l">{{$e}}</td></tr>
{{end}}</table>
<h2>Alarms</h2>
<table><tr><th class="l">alarm</th><th>times in ALARM</th><th class="l">final state</th></tr>
{{range .R.Alarms}}<tr><td class="l">{{.Name}}</td><td>{{.Alarms}}</td><td class="l">{{.FinalState}}</td></tr>{{end}}
</table>
<h2>Scaling activities ({{len .R.Activities}}, newest first)</h2>
<table><tr><th>hour</th><th class="l">activity</th><th class="l">cause</th></tr>
{{range .R.Activities}}<tr><td>{{printf "%.2f" .Hour}}</td><td class="l">{{.Description}}</td><td class="l" style="font-size:11px;color:#545b64">{{.Cause}}</td></tr>{{end}}
</table>
<p class="sub">Generated by nimbus (examples/webshop) in virtual time; no network needed to view this file.</p>
</body></html>
`))
