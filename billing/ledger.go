package billing

// Ledger collects line items in the order they are added.
type Ledger struct {
	items []LineItem
}

// NewLedger returns an empty ledger.
func NewLedger() *Ledger { return &Ledger{} }

// Add records one line item.
func (l *Ledger) Add(li LineItem) { l.items = append(l.items, li) }

// Items returns the recorded line items; the slice must not be modified.
func (l *Ledger) Items() []LineItem { return l.items }
