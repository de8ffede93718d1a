package scheduler

// indexHeap is a binary min-heap of indices ordered by a caller's less. The
// scheduler's orders are total (they end in the index itself), so the heap's
// shape never decides a tie and pops are deterministic.
type indexHeap struct {
	items []int32
	less  func(a, b int32) bool
}

// reset empties the heap, keeping its storage, and sets its order.
func (h *indexHeap) reset(less func(a, b int32) bool) {
	h.items = h.items[:0]
	h.less = less
}

func (h *indexHeap) len() int { return len(h.items) }

// add appends x without restoring the heap order; call heapify after adding.
func (h *indexHeap) add(x int32) { h.items = append(h.items, x) }

// heapify establishes the heap order over everything added, in linear time.
func (h *indexHeap) heapify() {
	for i := len(h.items)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

// top returns the least item without removing it.
func (h *indexHeap) top() int32 { return h.items[0] }

// fixTop restores the heap order after the least item's key grew.
func (h *indexHeap) fixTop() { h.down(0) }

func (h *indexHeap) push(x int32) {
	h.items = append(h.items, x)
	h.up(len(h.items) - 1)
}

func (h *indexHeap) pop() int32 {
	top := h.items[0]
	last := len(h.items) - 1
	h.items[0] = h.items[last]
	h.items = h.items[:last]
	if last > 0 {
		h.down(0)
	}
	return top
}

func (h *indexHeap) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !h.less(h.items[i], h.items[parent]) {
			return
		}
		h.items[i], h.items[parent] = h.items[parent], h.items[i]
		i = parent
	}
}

func (h *indexHeap) down(i int) {
	n := len(h.items)
	for {
		least := i
		if l := 2*i + 1; l < n && h.less(h.items[l], h.items[least]) {
			least = l
		}
		if r := 2*i + 2; r < n && h.less(h.items[r], h.items[least]) {
			least = r
		}
		if least == i {
			return
		}
		h.items[i], h.items[least] = h.items[least], h.items[i]
		i = least
	}
}
