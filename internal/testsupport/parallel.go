package testsupport

import "sync"

// Parallel runs f(0) … f(n-1) at once — every goroutine waits at one start
// line — and returns their errors by index.
func Parallel(n int, f func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}
