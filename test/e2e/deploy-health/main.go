// Command deploy-health evaluates dbwarden objects the way GitOps tools judge their health, with the tools'
// own libraries: kstatus (what Flux's `wait: true` and kpt use by default), Flux's CEL health-check
// evaluator (Kustomization.spec.healthCheckExprs) and gopher-lua, the interpreter Argo CD runs
// resource.customizations.health Lua scripts in (with the same libraries and the same obj table).
//
// Input on stdin: {"lua": "<script>", "flux": [{"apiVersion", "kind", "current", "inProgress", "failed"}],
// "objects": [<objects as the API server returns them>]}. Output on stdout: one result per object.
// test/e2e/deploy-gitops.test.ts builds and runs it.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"github.com/fluxcd/pkg/apis/kustomize"
	fluxcel "github.com/fluxcd/pkg/runtime/cel"
	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sjson "k8s.io/apimachinery/pkg/util/json"
)

type fluxCheck struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Current    string `json:"current"`
	InProgress string `json:"inProgress"`
	Failed     string `json:"failed"`
}

type input struct {
	Lua     string            `json:"lua"`
	Flux    []fluxCheck       `json:"flux"`
	Objects []json.RawMessage `json:"objects"`
}

type result struct {
	Kind           string `json:"kind"`
	Name           string `json:"name"`
	KStatus        string `json:"kstatus"`
	KStatusMessage string `json:"kstatusMessage"`
	Flux           string `json:"flux"`
	FluxError      string `json:"fluxError,omitempty"`
	Argo           string `json:"argo"`
	ArgoMessage    string `json:"argoMessage"`
	ArgoError      string `json:"argoError,omitempty"`
}

func main() {
	raw, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	var in input
	if err := json.Unmarshal(raw, &in); err != nil {
		fail(err)
	}
	results := []result{}
	for _, rawObject := range in.Objects {
		// The apimachinery decoder makes integers int64, as in the objects controllers get from the API server.
		var object map[string]interface{}
		if err := k8sjson.Unmarshal(rawObject, &object); err != nil {
			fail(err)
		}
		u := &unstructured.Unstructured{Object: object}
		r := result{Kind: u.GetKind(), Name: u.GetName()}

		ks, err := status.Compute(u)
		if err != nil {
			fail(err)
		}
		r.KStatus, r.KStatusMessage = string(ks.Status), ks.Message

		r.Flux, r.FluxError = "NoHealthCheck", ""
		for _, check := range in.Flux {
			if check.APIVersion != u.GetAPIVersion() || check.Kind != u.GetKind() {
				continue
			}
			evaluator, err := fluxcel.NewStatusEvaluator(&kustomize.HealthCheckExpressions{
				Current: check.Current, InProgress: check.InProgress, Failed: check.Failed,
			})
			if err != nil {
				fail(err)
			}
			res, err := evaluator.Evaluate(context.Background(), u)
			if err != nil {
				// The kustomize-controller keeps waiting (until its timeout) when an expression errors.
				r.Flux, r.FluxError = "Error", err.Error()
			} else {
				r.Flux = string(res.Status)
			}
		}

		r.Argo, r.ArgoMessage, err = argoHealth(in.Lua, object)
		if err != nil {
			r.Argo, r.ArgoError = "Error", err.Error()
		}
		results = append(results, r)
	}
	out, _ := json.MarshalIndent(results, "", "  ")
	fmt.Println(string(out))
}

// argoHealth runs a health.lua script as Argo CD does: standard libraries off except package, base and table,
// the object as the global `obj`, a 1 s limit, and a returned table whose status must be a known health code.
func argoHealth(script string, object map[string]interface{}) (string, string, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for name, open := range map[string]lua.LGFunction{lua.LoadLibName: lua.OpenPackage, lua.BaseLibName: lua.OpenBase, lua.TabLibName: lua.OpenTable} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(open), NRet: 0, Protect: true}, lua.LString(name)); err != nil {
			return "", "", err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, object))
	if err := l.DoString(script); err != nil {
		return "", "", err
	}
	table, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return "", "", fmt.Errorf("expected a table from the Lua script, got %s", l.Get(-1).Type())
	}
	code := table.RawGetString("status").String()
	switch code {
	case "Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown":
	default:
		return "Unknown", "Lua returned an invalid health status", nil
	}
	message := ""
	if m, ok := table.RawGetString("message").(lua.LString); ok {
		message = string(m)
	}
	return code, message, nil
}

func toLua(l *lua.LState, value interface{}) lua.LValue {
	switch v := value.(type) {
	case bool:
		return lua.LBool(v)
	case string:
		return lua.LString(v)
	case int64:
		return lua.LNumber(v)
	case float64:
		return lua.LNumber(v)
	case []interface{}:
		t := l.CreateTable(len(v), 0)
		for _, item := range v {
			t.Append(toLua(l, item))
		}
		return t
	case map[string]interface{}:
		t := l.CreateTable(0, len(v))
		for key, item := range v {
			t.RawSetH(lua.LString(key), toLua(l, item))
		}
		return t
	}
	return lua.LNil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
