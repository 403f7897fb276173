package sweep

import (
	"fmt"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress is the optional progress bar: runs done of the runs this call
// has to do (recovered runs are not counted, so the rate is real), runs
// per second and time left, with points done in the description. A nil bar
// does nothing.
type progress struct {
	bar    *progressbar.ProgressBar
	points int
}

func (p *plan) newProgress(todo, donePoints, points int) *progress {
	w := p.Progress
	if p.NoProgress {
		return &progress{}
	}
	if w == nil {
		if !isTerminal(os.Stderr) {
			return &progress{}
		}
		w = os.Stderr
	}
	pr := &progress{points: points}
	pr.bar = progressbar.NewOptions64(int64(todo),
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(pr.describe(donePoints)),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("runs"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)
	return pr
}

func (pr *progress) describe(donePoints int) string {
	return fmt.Sprintf("points %d/%d", donePoints, pr.points)
}

// update records finished runs; todo may have grown by sequential
// stopping.
func (pr *progress) update(todo, runs, donePoints int) {
	if pr.bar == nil {
		return
	}
	if int64(todo) != pr.bar.GetMax64() {
		pr.bar.ChangeMax64(int64(todo))
	}
	pr.bar.Describe(pr.describe(donePoints))
	_ = pr.bar.Add(runs) // rendering errors only affect the display
}

func (pr *progress) finish() {
	if pr.bar != nil {
		_ = pr.bar.Finish()
	}
}

// close leaves the terminal on a fresh line after an interrupted sweep.
func (pr *progress) close() {
	if pr.bar != nil && !pr.bar.IsFinished() {
		_ = pr.bar.Exit()
	}
}

// isTerminal reports whether f is a character device, as a terminal is.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
