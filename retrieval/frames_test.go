package retrieval

import (
	"reflect"
	"testing"
)

func TestParseFrames(t *testing.T) {
	tests := []struct {
		name, text string
		want       []Frame
	}{
		{"python", `Traceback (most recent call last):
  File "/srv/app/shop/orders.py", line 42, in get_order
    return doc["total"]
TypeError: 'NoneType' object is not subscriptable`,
			[]Frame{{Path: "/srv/app/shop/orders.py", Line: 42, Func: "get_order"}}},
		{"go", `panic: runtime error: invalid memory address or nil pointer dereference
goroutine 1 [running]:
main.(*Server).handle(0x0)
	/home/dev/src/shop/server/handler.go:88 +0x1d`,
			[]Frame{{Path: "/home/dev/src/shop/server/handler.go", Line: 88, Func: "handle"}}},
		{"java", `java.lang.NullPointerException
	at com.shop.orders.OrderService.save(OrderService.java:57)`,
			[]Frame{{Path: "OrderService.java", Line: 57, Func: "save"}}},
		{"node", `TypeError: Cannot read properties of undefined
    at saveOrder (/app/src/orders.js:12:7)`,
			[]Frame{{Path: "/app/src/orders.js", Line: 12, Func: "saveOrder"}}},
		{"plain", "the check in ip/iproute.c:123 looks wrong", []Frame{{Path: "ip/iproute.c", Line: 123}}},
		{"none", "API returns None after save", nil},
	}
	for _, tt := range tests {
		got := ParseFrames(tt.text)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: ParseFrames = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestMatchPath(t *testing.T) {
	paths := []string{"shop/orders.py", "tests/shop/orders.py", "shop/users.py", "server/handler.go"}
	tests := map[string]string{
		"/srv/app/shop/orders.py":              "shop/orders.py",
		"/home/dev/src/shop/server/handler.go": "server/handler.go",
		"users.py":                             "shop/users.py",
		"missing.py":                           "",
	}
	for in, want := range tests {
		if got := MatchPath(in, paths); got != want {
			t.Errorf("MatchPath(%q) = %q, want %q", in, got, want)
		}
	}
}
