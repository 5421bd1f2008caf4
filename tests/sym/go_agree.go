// Fixture of go_agree.sh: handler calls workA and workB, workA doing twice
// workB's work (2/3 and 1/3 of handler's time), and churn allocates so
// that the collector runs; for ARGV[1] seconds, Go's own CPU profile
// (runtime/pprof at 500 Hz) of the run written to ARGV[2].
package main

import (
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"time"
)

var sink uint64
var keep [][]byte

//go:noinline
func spin(n int) uint64 {
	h := uint64(1)
	for i := 0; i < n; i++ {
		h = h*0x9e3779b97f4a7c15 + uint64(i)
	}
	return h
}

//go:noinline
func workA() { sink += spin(2 << 20) }

//go:noinline
func workB() { sink += spin(1 << 20) }

//go:noinline
func churn() {
	for i := 0; i < 64; i++ {
		keep = append(keep, make([]byte, 4096))
	}
	if len(keep) > 4096 {
		keep = nil
	}
}

//go:noinline
func handler() {
	workA()
	workB()
	churn()
}

func main() {
	secs, _ := strconv.ParseFloat(os.Args[1], 64)
	f, err := os.Create(os.Args[2])
	if err != nil {
		panic(err)
	}
	runtime.SetCPUProfileRate(500)
	if err := pprof.StartCPUProfile(f); err != nil {
		panic(err)
	}
	deadline := time.Now().Add(time.Duration(secs * float64(time.Second)))
	for time.Now().Before(deadline) {
		handler()
	}
	pprof.StopCPUProfile()
	f.Close()
}
