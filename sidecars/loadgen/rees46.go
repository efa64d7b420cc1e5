package loadgen

import (
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// REES46Attribution must accompany any use of the REES46 slice.
const REES46Attribution = "Data: eCommerce behavior data from multi category store (Kaggle, mkechinov), " +
	"collected by the Open CDP project of REES46 Marketing Platform — https://rees46.com"

// Row is one clickstream row of the REES46 CSV, as published.
type Row struct {
	Time         time.Time
	Type         string // view, cart, remove_from_cart, purchase
	ProductID    string
	CategoryID   string
	CategoryCode string // "" in about a third of the rows
	Brand        string // "" when unknown
	Price        float64
	UserID       string
	Session      string
}

var rees46Columns = []string{"event_time", "event_type", "product_id", "category_id", "category_code", "brand", "price", "user_id", "user_session"}

// ReadREES46 reads the clickstream CSV (gzip when the name ends in .gz).
// Malformed rows fail with their line number.
func ReadREES46(path string) ([]Row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSource, err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrSource, path, err)
		}
		defer zr.Close()
		r = zr
	}
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: reading header: %w", ErrSource, path, err)
	}
	if strings.Join(header, ",") != strings.Join(rees46Columns, ",") {
		return nil, fmt.Errorf("%w: %s: header %v is not the REES46 columns %v", ErrSource, path, header, rees46Columns)
	}
	var rows []Row
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrSource, path, err)
		}
		t, terr := time.Parse("2006-01-02 15:04:05 MST", rec[0])
		price, perr := strconv.ParseFloat(rec[6], 64)
		if terr != nil || perr != nil || rec[7] == "" || rec[8] == "" {
			return nil, fmt.Errorf("%w: %s:%d: malformed row %q", ErrSource, path, line, strings.Join(rec, ","))
		}
		rows = append(rows, Row{Time: t, Type: rec[1], ProductID: rec[2], CategoryID: rec[3], CategoryCode: rec[4],
			Brand: rec[5], Price: price, UserID: rec[7], Session: rec[8]})
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: %s has no rows", ErrSource, path)
	}
	return rows, nil
}

// EventType maps a REES46 event type to the UserEvent symbol.
func EventType(t string) (string, bool) {
	switch t {
	case "view":
		return "PRODUCT_VIEW", true
	case "cart":
		return "ADD_TO_CART", true
	case "remove_from_cart":
		return "REMOVE_FROM_CART", true
	case "purchase":
		return "PURCHASE", true
	}
	return "", false
}

// replay plays the rows in order, shared by all workers through one cursor
// so the sessions' event order survives. Each pass over the file gets its
// own user and session suffix, so repeated passes are new shoppers rather
// than one very long session, and event times are "now": the replay is
// about who does what in which order, at the rate asked for.
type replay struct {
	rows   []Row
	cursor *atomic.Int64
	r      *rand.Rand
}

func (p *replay) next(e *event, nowMS int64) {
	for {
		n := p.cursor.Add(1) - 1
		row := &p.rows[n%int64(len(p.rows))]
		typ, ok := EventType(row.Type)
		if !ok {
			continue // a type this schema does not know
		}
		pass := "-" + strconv.FormatInt(n/int64(len(p.rows)), 10)
		*e = event{typ: typ, user: "rees46-" + row.UserID + pass, session: row.Session + pass, timeMS: nowMS,
			storefront: "rees46", item: row.ProductID, brand: row.Brand, price: row.Price, hasPrice: true}
		e.category = strings.ReplaceAll(row.CategoryCode, ".", "/")
		if e.category == "" {
			e.category = "category-" + row.CategoryID
		}
		if typ == "ADD_TO_CART" || typ == "PURCHASE" || typ == "REMOVE_FROM_CART" {
			e.quantity = 1
		}
		if typ == "PURCHASE" {
			// The dataset has no order ids: one order per session.
			e.orderID = "o-" + e.session
		}
		e.pageURL = "https://shop.example/p/" + row.ProductID
		e.newID(p.r)
		return
	}
}
