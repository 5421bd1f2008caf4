// Fixture: one hot loop at a known line (marked HOT-LOOP) whose body is an
// inlined call (mix, body marked HOT-INL), for ARGV[1] seconds; with
// ARGV[2], Go's own CPU profile (runtime/pprof) of the run is written
// there, to set beside cprof's.
package main

import (
	"os"
	"runtime/pprof"
	"strconv"
	"time"
)

var sink uint64

func mix(h, i uint64) uint64 {
	return (h^i)*0x9e3779b97f4a7c15 + (h>>29)*0xbf58476d1ce4e5b9 + (i<<7 ^ h>>11) // HOT-INL
}

//go:noinline
func hot(n int) uint64 {
	h := uint64(1)
	for i := 0; i < n; i++ {
		h = mix(h, uint64(i)) // HOT-LOOP
	}
	return h
}

func main() {
	secs, _ := strconv.ParseFloat(os.Args[1], 64)
	if len(os.Args) > 2 {
		f, err := os.Create(os.Args[2])
		if err != nil {
			panic(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			panic(err)
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	deadline := time.Now().Add(time.Duration(secs * float64(time.Second)))
	for time.Now().Before(deadline) {
		sink += hot(1 << 20)
	}
}
