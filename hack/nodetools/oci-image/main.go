// Command oci-image writes a one-layer OCI image archive (the layout `ctr images import` and
// `skopeo copy oci-archive:` read) from files on this machine, so the local node has images without a
// registry: the pod sandbox (pause) and small test images. The output is reproducible: the same inputs
// make the same digests.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *platform         `json:"platform,omitempty"`
}

type platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
}

type entry struct {
	name   string
	mode   int64
	source string // a file to copy, or
	link   string // a symlink target
}

func main() {
	var files, links, entrypoint, cmd, env multi
	name := flag.String("name", "", "image reference, e.g. localhost/dbwarden/pause:1 (required)")
	out := flag.String("out", "", "archive to write (required)")
	flag.Var(&files, "file", "SOURCE:PATH[:MODE] copies a file into the image (repeatable)")
	flag.Var(&links, "symlink", "TARGET:PATH makes a symbolic link (repeatable)")
	flag.Var(&entrypoint, "entrypoint", "one word of the entrypoint (repeatable)")
	flag.Var(&cmd, "cmd", "one word of the default command (repeatable)")
	flag.Var(&env, "env", "KEY=VALUE (repeatable)")
	user := flag.String("user", "", "user the image runs as, e.g. 65532:65532")
	flag.Parse()
	if *name == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := write(*name, *out, files, links, entrypoint, cmd, env, *user); err != nil {
		fmt.Fprintf(os.Stderr, "oci-image: %v\n", err)
		os.Exit(1)
	}
}

func entries(files, links []string) ([]entry, error) {
	var es []entry
	for _, f := range files {
		parts := strings.Split(f, ":")
		if len(parts) < 2 || len(parts) > 3 {
			return nil, fmt.Errorf("--file %q: want SOURCE:PATH[:MODE]", f)
		}
		mode := int64(0o755)
		if len(parts) == 3 {
			m, err := strconv.ParseInt(parts[2], 8, 64)
			if err != nil {
				return nil, fmt.Errorf("--file %q: bad mode: %v", f, err)
			}
			mode = m
		}
		es = append(es, entry{name: strings.TrimPrefix(path.Clean(parts[1]), "/"), mode: mode, source: parts[0]})
	}
	for _, l := range links {
		target, p, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("--symlink %q: want TARGET:PATH", l)
		}
		es = append(es, entry{name: strings.TrimPrefix(path.Clean(p), "/"), mode: 0o777, link: target})
	}
	sort.Slice(es, func(i, j int) bool { return es[i].name < es[j].name })
	return es, nil
}

// layer returns the uncompressed and the gzip-compressed layer tar.
func layer(es []entry) ([]byte, []byte, error) {
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	epoch := time.Unix(0, 0)
	dirs := map[string]bool{}
	var addDir func(string) error
	addDir = func(d string) error {
		if d == "." || d == "/" || dirs[d] {
			return nil
		}
		if err := addDir(path.Dir(d)); err != nil {
			return err
		}
		dirs[d] = true
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, ModTime: epoch, Format: tar.FormatPAX})
	}
	if err := addDir("tmp"); err != nil {
		return nil, nil, err
	}
	for _, e := range es {
		if err := addDir(path.Dir(e.name)); err != nil {
			return nil, nil, err
		}
		if e.link != "" {
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: e.name, Linkname: e.link, Mode: e.mode, ModTime: epoch, Format: tar.FormatPAX}); err != nil {
				return nil, nil, err
			}
			continue
		}
		data, err := os.ReadFile(e.source)
		if err != nil {
			return nil, nil, err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: e.name, Mode: e.mode, Size: int64(len(data)), ModTime: epoch, Format: tar.FormatPAX}); err != nil {
			return nil, nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, nil, err
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return nil, nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, nil, err
	}
	return raw.Bytes(), gz.Bytes(), nil
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func write(name, out string, files, links, entrypoint, cmd, env []string, user string) error {
	es, err := entries(files, links)
	if err != nil {
		return err
	}
	raw, gz, err := layer(es)
	if err != nil {
		return err
	}
	if len(env) == 0 {
		env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	}
	plat := platform{Architecture: runtime.GOARCH, OS: "linux"}
	config, _ := json.Marshal(map[string]any{
		"architecture": plat.Architecture,
		"os":           plat.OS,
		"created":      time.Unix(0, 0).UTC().Format(time.RFC3339),
		"config": map[string]any{
			"Entrypoint": entrypoint,
			"Cmd":        cmd,
			"Env":        env,
			"User":       user,
			"WorkingDir": "/",
		},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{digest(raw)}},
	})
	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        descriptor{MediaType: "application/vnd.oci.image.config.v1+json", Digest: digest(config), Size: int64(len(config))},
		"layers":        []descriptor{{MediaType: "application/vnd.oci.image.layer.v1.tar+gzip", Digest: digest(gz), Size: int64(len(gz))}},
	})
	tag := name[strings.LastIndex(name, ":")+1:]
	index, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.index.v1+json",
		"manifests": []descriptor{{
			MediaType: "application/vnd.oci.image.manifest.v1+json",
			Digest:    digest(manifest),
			Size:      int64(len(manifest)),
			Platform:  &plat,
			Annotations: map[string]string{
				"io.containerd.image.name":          name,
				"org.opencontainers.image.ref.name": tag,
			},
		}},
	})

	f, err := os.Create(out + ".tmp")
	if err != nil {
		return err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	add := func(p string, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: p, Mode: 0o644, Size: int64(len(data)), ModTime: time.Unix(0, 0), Format: tar.FormatPAX}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	blob := func(b []byte) string { return "blobs/sha256/" + strings.TrimPrefix(digest(b), "sha256:") }
	for _, item := range []struct {
		path string
		data []byte
	}{
		{"oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)},
		{"index.json", index},
		{blob(manifest), manifest},
		{blob(config), config},
		{blob(gz), gz},
	} {
		if err := add(item.path, item.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(out+".tmp", out)
}
