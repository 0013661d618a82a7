package reports

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var keep = flag.String("keep-html", "", "also write the rendered test report to this file (to look at it)")

// The HTML report must render in a real browser with no console errors. Runs where Debian's
// chromium is installed (CI installs it) and says so where it is not.
func TestHTMLRendersInChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not installed (apt-get install chromium): HTML not checked in a browser")
	}
	r := synthReport(t, 300, 0.15)
	png, svg, err := LinePlots([]Panel{{Title: "p", XLabel: "beta", YLabel: "acc", Series: []Series{{Label: "a", X: []float64{0, 1}, Y: []float64{1, 2}, YLo: []float64{0.5, 1.5}, YHi: []float64{1.5, 2.5}}}}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf, []Figure{{Title: "sweep", PNG: png, SVG: svg}}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(page, buf.Bytes(), 0o644)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--dump-dom", "file://"+page)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, "CONSOLE") || strings.Contains(line, "Uncaught") {
			t.Errorf("browser console: %s", line)
		}
	}
	dom := stdout.String()
	for _, want := range []string{"<table>", "ResNet18-Full", "✓ reproduced", "data:image/png;base64,",
		`<section id="per-seed">`, "seed 3", `<section id="heatmap">`, "disc", "background:hsl(",
		`<section id="gallery">`, "bar@20%/random2"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %q", want)
		}
	}
	// one heatmap panel per model, one gallery image per pattern
	if n := strings.Count(dom, `<div class="panel">`); n != len(r.Rows) {
		t.Errorf("%d heatmap panels, want %d", n, len(r.Rows))
	}
	gallery := dom[strings.Index(dom, `<section id="gallery">`):]
	gallery = gallery[:strings.Index(gallery, "</section>")]
	if n := strings.Count(gallery, "<img "); n != len(fixturePatterns) {
		t.Errorf("%d gallery images, want %d", n, len(fixturePatterns))
	}
	if *keep != "" {
		os.WriteFile(*keep, buf.Bytes(), 0o644)
	}
}
