package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
	"github.com/keptdesk/kept/internal/service"
)

// Customers from a CSV file: one a line, with a header naming the columns.

// csvColumns are the columns a customers file may have; name and email or phone are needed.
var csvColumns = []string{"name", "email", "phone", "language", "timezone", "reference_kind", "reference_value"}

type customersCSV struct{ rows []service.ImportPerson }

// readCustomersCSV reads the file. Lines with the same email (or phone) are one customer with
// each line's reference; a line with neither is refused with its number, so nothing is lost
// without a word.
func readCustomersCSV(path string) (*customersCSV, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read the customers file: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: no header line (%s): %w", path, strings.Join(csvColumns, ","), err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		known := false
		for _, c := range csvColumns {
			known = known || c == h
		}
		if !known {
			return nil, fmt.Errorf("%s: unknown column %q; the columns are %s", path, h, strings.Join(csvColumns, ","))
		}
		col[h] = i
	}
	if _, ok := col["email"]; !ok {
		if _, ok := col["phone"]; !ok {
			return nil, fmt.Errorf("%s: the header needs an email or a phone column (%s)", path, strings.Join(csvColumns, ","))
		}
	}
	c := &customersCSV{}
	byKey := map[string]int{}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if strings.Join(rec, "") == "" {
			continue
		}
		p := service.ImportPerson{Name: get("name"), Email: get("email"), Phone: get("phone"), Lang: get("language"), Timezone: get("timezone")}
		if p.Email == "" && p.Phone == "" {
			return nil, fmt.Errorf("%s line %d: an email or a phone is needed to reach the customer", path, line)
		}
		// The same checks as a customer created through the API, with the line's number.
		if _, err := desk.ValidateCustomer(desk.NewCustomer{Name: p.Name, Email: p.Email, Phone: p.Phone, Lang: p.Lang, Timezone: p.Timezone}, time.Time{}); err != nil {
			return nil, fmt.Errorf("%s line %d: %v", path, line, err)
		}
		if kind, value := get("reference_kind"), get("reference_value"); kind != "" || value != "" {
			refs, err := desk.ValidateReferences("reference", []desk.Reference{{Kind: kind, Value: value}})
			if err != nil {
				return nil, fmt.Errorf("%s line %d: %v", path, line, err)
			}
			p.References = refs
		}
		key := strings.ToLower(p.Email)
		if key == "" {
			key = "phone:" + p.Phone
		}
		if i, ok := byKey[key]; ok {
			c.rows[i].References = append(c.rows[i].References, p.References...)
			continue
		}
		byKey[key] = len(c.rows)
		c.rows = append(c.rows, p)
	}
	return c, nil
}

func (c *customersCSV) people() []service.ImportPerson { return c.rows }
func (c *customersCSV) count() int                     { return 0 }
func (c *customersCSV) cases(int, func([]service.ImportCase) error) error {
	return nil
}
func (c *customersCSV) mapping() importMap { return importMap{} }
