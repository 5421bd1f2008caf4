// go_own_pprof SECONDS OUT: work in three functions (a hash, a loop the
// preemption signal interrupts, allocation that the collector and the
// scavenger clean up after) for SECONDS, profiled by Go's own runtime/pprof
// into OUT (tests/sym/go_own_pprof.sh)
package main

import (
	"crypto/sha256"
	"os"
	"runtime/pprof"
	"strconv"
	"time"
)

var sink uint64
var keep [][]byte

//go:noinline
func hashWork(n int) {
	var buf [4096]byte
	for i := 0; i < n; i++ {
		buf[0] = byte(i)
		s := sha256.Sum256(buf[:])
		sink += uint64(s[0])
	}
}

//go:noinline
func loopWork(n int) {
	x := sink
	for i := 0; i < n*20000; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	sink = x
}

//go:noinline
func allocWork(n int) {
	for i := 0; i < n; i++ {
		keep = append(keep, make([]byte, 8<<10))
		if len(keep) > 64 {
			keep = keep[:0]
		}
	}
}

func main() {
	secs, _ := strconv.ParseFloat(os.Args[1], 64)
	f, err := os.Create(os.Args[2])
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		panic(err)
	}
	end := time.Now().Add(time.Duration(secs * float64(time.Second)))
	for time.Now().Before(end) {
		hashWork(60)
		loopWork(10)
		allocWork(2)
	}
	pprof.StopCPUProfile()
	f.Close()
}
