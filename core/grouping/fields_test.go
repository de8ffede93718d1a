package grouping

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/squall/squall/core"
	"github.com/squall/squall/core/topology"
)

var (
	groupFieldsWord     = topology.Grouping{Kind: topology.GroupFields, Fields: []string{"word"}}
	groupPartialKeyWord = topology.Grouping{Kind: topology.GroupPartialKey, Fields: []string{"word"}}
)

// TestFieldsGolden pins routes of the fields grouping. They must never change:
// workers of different versions route one topology's tuples together, and
// stateful bolts keep per-key state on the task a key has always reached.
func TestFieldsGolden(t *testing.T) {
	r := mustNew(t, groupFieldsWord, []string{"word"}, taskRange(1, 5), Placement{}, 1)
	var got []string
	for _, w := range []string{"the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog"} {
		got = append(got, fmt.Sprint(w, "→", r.Route([]any{w}, nil)))
	}
	want := "the→[1] quick→[1] brown→[1] fox→[5] jumps→[3] over→[5] lazy→[2] dog→[2]"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("got  %s\nwant %s", g, want)
	}
}

// TestFieldsStable: a key reaches the same task whatever the emitter's seed,
// placement and the order it lists the targets in, and a second router (a
// second emitter, or a restarted worker) agrees with the first.
func TestFieldsStable(t *testing.T) {
	targets := taskRange(10, 25)
	shuffled := slices.Clone(targets)
	rand.New(rand.NewPCG(5, 5)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	a := mustNew(t, groupFieldsWord, []string{"word"}, targets, Placement{}, 1)
	b := mustNew(t, groupFieldsWord, []string{"word"}, shuffled, testNear, 2)
	for i := range 2000 {
		v := []any{fmt.Sprint("key-", i)}
		first := a.Route(v, nil)
		if again, other := a.Route(v, nil), b.Route(v, nil); !slices.Equal(first, again) || !slices.Equal(first, other) {
			t.Fatalf("key %v: routes %v, %v and %v from another router, want one task", v, first, again, other)
		}
	}
}

// TestFieldsSpread: distinct keys spread evenly, including over an even
// number of tasks, where FNV-1a's low bits alone would be weak.
func TestFieldsSpread(t *testing.T) {
	const keys, n = 16_000, 8
	for _, kind := range []string{"string", "int"} {
		r := mustNew(t, groupFieldsWord, []string{"word"}, taskRange(1, n), Placement{}, 1)
		counts := map[core.TaskID]int{}
		for i := range keys {
			var v any = i
			if kind == "string" {
				v = fmt.Sprint("user", i)
			}
			counts[r.Route([]any{v}, nil)[0]]++
		}
		// ±10% of the mean is about 5 standard deviations of a fair split.
		lo, hi := minMax(counts, taskRange(1, n))
		if mean := keys / n; lo < mean*9/10 || hi > mean*11/10 {
			t.Errorf("%s keys: counts %v, want each within 10%% of %d", kind, counts, mean)
		}
	}
}

func TestFieldsHashCanonical(t *testing.T) {
	hash := func(vs ...any) uint64 { return fieldsHash(vs, taskIndexes(len(vs))) }
	equal := [][]any{
		{int(42), int8(42), int16(42), int32(42), int64(42), uint(42), uint8(42), uint16(42), uint32(42), uint64(42)},
		{int(-7), int8(-7), int32(-7), int64(-7)},
		{float64(0), math.Copysign(0, -1), float32(0)},
		{math.NaN(), -math.NaN(), math.Float64frombits(0x7ff0000000000002)},
		{float32(1.5), float64(1.5)},
		{[]any{int32(1), "a"}, []any{int64(1), "a"}},
	}
	for _, vs := range equal {
		for _, v := range vs[1:] {
			if hash(v) != hash(vs[0]) {
				t.Errorf("hash(%T %v) = %#x, want hash(%T %v) = %#x", v, v, hash(v), vs[0], vs[0], hash(vs[0]))
			}
		}
	}
	distinct := [][]any{
		{int64(1)}, {float64(1)}, {"1"}, {[]byte("1")}, {true}, {false}, {nil}, {[]any{int64(1)}},
		{uint64(math.MaxUint64)}, {int64(-1)}, {""}, {[]byte{}}, {[]any{}},
		{"ab", "c"}, {"a", "bc"}, {"abc"}, {[]any{"a"}, "bc"}, {[]any{"a", "bc"}},
	}
	seen := map[uint64]string{}
	for _, vs := range distinct {
		h, s := hash(vs...), fmt.Sprintf("%#v", vs)
		if prev, dup := seen[h]; dup {
			t.Errorf("%s and %s both hash to %#x, want different", prev, s, h)
		}
		seen[h] = s
	}
}

// TestFieldsHashGolden pins the hash itself (see TestFieldsGolden for why).
func TestFieldsHashGolden(t *testing.T) {
	cases := []struct {
		values []any
		want   uint64
	}{
		{[]any{"storm"}, 0xe5776be619531c2f},
		{[]any{int64(42)}, 0x6e2c25787d97e453},
		{[]any{"user", int64(7), 2.5, true, nil, []byte{1, 2}, []any{"x"}}, 0x227f2eb807057a8c},
	}
	for _, c := range cases {
		if got := fieldsHash(c.values, taskIndexes(len(c.values))); got != c.want {
			t.Errorf("fieldsHash(%#v) = %#x, want %#x", c.values, got, c.want)
		}
	}
}

func TestFieldsHashPanics(t *testing.T) {
	deep := []any{"bottom"}
	for range hashDepthMax {
		deep = []any{deep}
	}
	cases := []struct {
		name    string
		values  []any
		indexes []int
		want    string
	}{
		{"short tuple", []any{"a"}, []int{0, 1}, "no field at position 1"},
		{"unsupported type", []any{struct{}{}}, []int{0}, "cannot hash a struct {}"},
		{"map", []any{map[string]int{}}, []int{0}, "cannot hash a map[string]int"},
		{"too deep", []any{deep}, []int{0}, "nested over 32 deep"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if msg := fmt.Sprint(recover()); !strings.Contains(msg, c.want) {
					t.Errorf("got panic %q, want one containing %q", msg, c.want)
				}
			}()
			fieldsHash(c.values, c.indexes)
		})
	}
}

func taskIndexes(n int) []int {
	is := make([]int, n)
	for i := range is {
		is[i] = i
	}
	return is
}

// TestPartialKeyBalancesSkew routes a Zipf-distributed key stream, as word
// counts see, through fields and partial-key groupings. The hottest key
// carries about 21% of the tuples, and fields grouping puts them all on one
// task. Partial key splits it over two tasks: with 4
// tasks (hottest key under 2/n, where two choices balance) loads are even;
// with 8, hot keys can share candidates, but no task gets what fields must
// put on one.
func TestPartialKeyBalancesSkew(t *testing.T) {
	cases := []struct {
		n             core.TaskID
		pkMaxOverMean float64
	}{{4, 1.05}, {8, 1.6}}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.n, " tasks"), func(t *testing.T) {
			fieldsMean, fieldsMin := skewedLoads(t, groupFieldsWord, c.n)
			pkMean, pkMin := skewedLoads(t, groupPartialKeyWord, c.n)
			t.Logf("max/mean: fields %.2f, partial key %.2f; max/min: fields %.2f, partial key %.2f", fieldsMean, pkMean, fieldsMin, pkMin)
			if pkMean > c.pkMaxOverMean || pkMean >= fieldsMean || pkMin >= fieldsMin {
				t.Errorf("partial key max/mean %.2f, max/min %.2f; want max/mean at most %.2f and both below fields' %.2f, %.2f",
					pkMean, pkMin, c.pkMaxOverMean, fieldsMean, fieldsMin)
			}
		})
	}
}

// skewedLoads routes 200,000 tuples with Zipf(1.2) keys over n tasks and
// returns the largest load over the mean and over the smallest.
func skewedLoads(t *testing.T, g topology.Grouping, n core.TaskID) (maxOverMean, maxOverMin float64) {
	const tuples = 200_000
	targets := taskRange(1, n)
	r := mustNew(t, g, []string{"word"}, targets, Placement{}, 1)
	zipf := rand.NewZipf(rand.New(rand.NewPCG(9, 9)), 1.2, 1, 9_999)
	counts := map[core.TaskID]int{}
	values := []any{""}
	var dst []core.TaskID
	for range tuples {
		values[0] = int64(zipf.Uint64())
		dst = r.Route(values, dst[:0])
		counts[dst[0]]++
	}
	lo, hi := minMax(counts, targets)
	t.Logf("%s: loads %v", g.Kind, counts)
	return float64(hi) / (tuples / float64(n)), float64(hi) / float64(max(lo, 1))
}

// TestPartialKeyCandidates: a key only ever reaches its two candidates, the
// first being the fields grouping's task, and alternates between them.
func TestPartialKeyCandidates(t *testing.T) {
	for _, n := range []core.TaskID{1, 2, 3, 16} {
		fields := mustNew(t, groupFieldsWord, []string{"word"}, taskRange(1, n), Placement{}, 1)
		for key := range 50 {
			pk := mustNew(t, groupPartialKeyWord, []string{"word"}, taskRange(1, n), Placement{}, 1)
			v := []any{key}
			var got []core.TaskID
			for range 6 {
				got = pk.Route(v, got)
			}
			first := fields.Route(v, nil)[0]
			second := got[1]
			want := []core.TaskID{first, second, first, second, first, second}
			if n == 1 {
				want = []core.TaskID{1, 1, 1, 1, 1, 1}
			} else if second == first {
				t.Fatalf("%d targets, key %d: candidates %d and %d, want two tasks", n, key, first, second)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%d targets, key %d: got %v, want %v", n, key, got, want)
			}
		}
	}
}
