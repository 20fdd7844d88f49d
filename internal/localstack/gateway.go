package localstack

import (
	"fmt"
	"log/slog"

	"zoompool"
	"zoompool/internal/api"
	"zoompool/internal/sam"
)

// Gateway routes every HttpApi route that template.yaml declares to its
// function's handler (by logical id), as API Gateway does in AWS.
func Gateway(handlers map[string]*api.Router, log *slog.Logger) (*api.Router, error) {
	tmpl, err := sam.Parse(zoompool.Template)
	if err != nil {
		return nil, err
	}
	gw := api.NewRouter(log)
	for _, f := range tmpl.Functions {
		if len(f.Routes) == 0 {
			continue
		}
		h, ok := handlers[f.LogicalID]
		if !ok {
			return nil, fmt.Errorf("template.yaml routes requests to %s, which has no handler", f.LogicalID)
		}
		for _, r := range f.Routes {
			gw.Handle(r.Method, r.Path, h)
		}
	}
	return gw, nil
}
