package ontap

import "testing"

func TestPathPrefixMapsEveryPath(t *testing.T) {
	c, err := New(Options{Endpoint: "https://um.example.com", Username: "u", PathPrefix: "/api/gateways/c1/"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ in, want string }{
		{"/storage/volumes", "https://um.example.com/api/gateways/c1/storage/volumes"},
		{"/api/cluster/jobs/j1", "https://um.example.com/api/gateways/c1/cluster/jobs/j1"},
		{"/api/gateways/c1/storage/volumes?start.uuid=x", "https://um.example.com/api/gateways/c1/storage/volumes?start.uuid=x"},
	}
	for _, c2 := range cases {
		if got := c.url(c2.in, nil); got != c2.want {
			t.Errorf("%s -> %s, want %s", c2.in, got, c2.want)
		}
	}
	if c.Endpoint() != "https://um.example.com/api/gateways/c1" {
		t.Errorf("endpoint %s", c.Endpoint())
	}
	for _, bad := range []string{"gateways/c1", "/other/c1", "/api/g?x"} {
		if _, err := New(Options{Endpoint: "https://h", Username: "u", PathPrefix: bad}); err == nil {
			t.Errorf("prefix %q accepted", bad)
		}
	}
}
