package manifests

import (
	"encoding/json"
	"reflect"
	"testing"
)

// Every embedded manifest survives the JSON round trip of manifest.lock.json.
func TestFromJSONRoundTrip(t *testing.T) {
	for _, name := range Names() {
		m, err := Resolve(name)
		if err != nil {
			t.Fatal(err)
		}
		data, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		back, err := FromJSON(m.File, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(m, back) {
			t.Errorf("%s: round trip differs:\n%+v\n%+v", name, m, back)
		}
	}
	if _, err := FromJSON("x.lock.json", []byte(`{"Name":"x","Bogus":1}`)); err == nil {
		t.Error("unknown field accepted")
	}
	if _, err := FromJSON("x.lock.json", []byte(`{"Name":"x"}`)); err == nil {
		t.Error("invalid manifest accepted")
	}
}
