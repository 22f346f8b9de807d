package boundcache

import (
	"sync"
	"testing"
)

func TestBounded(t *testing.T) {
	c := New[int, int](10)
	for i := range 1000 {
		c.Put(i, i*i)
		if n := c.Len(); n > 10 {
			t.Fatalf("after %d puts Len = %d, want ≤ 10", i+1, n)
		}
	}
	if v, ok := c.Get(999); !ok || v != 999*999 {
		t.Fatalf("Get(999) = %d, %v; the newest entry must survive", v, ok)
	}
	if _, ok := c.Get(0); ok {
		t.Fatal("Get(0) hit; the oldest entry must have been evicted")
	}
}

func TestPromotion(t *testing.T) {
	c := New[string, int](4) // two per generation
	c.Put("a", 1)
	c.Put("b", 2)
	c.Put("c", 3) // a, b move to the previous generation
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Fatalf("Get(a) = %d, %v", v, ok)
	}
	c.Put("d", 4) // rotates: previous = {c, a}; b is gone
	if _, ok := c.Get("b"); ok {
		t.Fatal("b survived two rotations without use")
	}
	if _, ok := c.Get("a"); !ok {
		t.Fatal("a was used and must survive one more rotation")
	}
	c.Delete("a")
	if _, ok := c.Get("a"); ok {
		t.Fatal("a survived Delete")
	}
}

func TestConcurrent(t *testing.T) {
	c := New[int, int](64)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				k := (i * (g + 1)) % 100
				c.Put(k, k)
				if v, ok := c.Get(k); ok && v != k {
					t.Errorf("Get(%d) = %d", k, v)
				}
			}
		})
	}
	wg.Wait()
	if c.Len() > 64 {
		t.Fatalf("Len = %d", c.Len())
	}
}
