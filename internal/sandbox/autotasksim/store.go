package autotasksim

import "sort"

// table holds the rows of one entity in id order. The Server's RWMutex
// guards every table.
type table struct {
	def  *entityDef
	rows map[int64]record
	ids  []int64 // ascending
	next int64
}

func newTable(def *entityDef) *table {
	return &table{def: def, rows: map[int64]record{}, next: def.IDBase}
}

// insert stores r, assigning the next ascending id when r has none, and
// returns the id. The caller guarantees a given id is not taken.
func (t *table) insert(r record) int64 {
	id := r.id()
	if id == 0 {
		id = t.next
		r["id"] = id
	}
	if id >= t.next {
		t.next = id + 1
	}
	t.rows[id] = r
	i := sort.Search(len(t.ids), func(i int) bool { return t.ids[i] >= id })
	t.ids = append(t.ids, 0)
	copy(t.ids[i+1:], t.ids[i:])
	t.ids[i] = id
	return id
}

func (t *table) get(id int64) record { return t.rows[id] }

// scan calls fn for every row with an id greater than after, in id order,
// until fn returns false.
func (t *table) scan(after int64, fn func(record) bool) {
	i := sort.Search(len(t.ids), func(i int) bool { return t.ids[i] > after })
	for ; i < len(t.ids); i++ {
		if !fn(t.rows[t.ids[i]]) {
			return
		}
	}
}

// remove deletes a row (used only for unit rows when a contract shrinks).
func (t *table) remove(id int64) {
	if _, ok := t.rows[id]; !ok {
		return
	}
	delete(t.rows, id)
	i := sort.Search(len(t.ids), func(i int) bool { return t.ids[i] >= id })
	t.ids = append(t.ids[:i], t.ids[i+1:]...)
}
