// Fixture: goroutines that allocate (GC pressure) and call a small
// function the compiler inlines, for ARGV[1] seconds.
package main

import (
	"os"
	"strconv"
	"sync"
	"time"
)

type node struct {
	next *node
	val  [8]int
}

// square is small enough for the compiler to inline into churn.
func square(x int) int {
	return x * x
}

var sink *node

func churn(deadline time.Time, wg *sync.WaitGroup) {
	defer wg.Done()
	var keep *node
	sum := 0
	for i := 0; i%4096 != 0 || time.Now().Before(deadline); i++ {
		n := &node{next: keep}
		for j := range n.val {
			n.val[j] = square(i + j)
			sum += n.val[j]
		}
		keep = n
		if i%1000 == 0 {
			sink, keep = keep, nil
		}
	}
	if sum == 42 {
		println(sum)
	}
}

func main() {
	secs, _ := strconv.ParseFloat(os.Args[1], 64)
	deadline := time.Now().Add(time.Duration(secs * float64(time.Second)))
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go churn(deadline, &wg)
	}
	wg.Wait()
}
