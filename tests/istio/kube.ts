// A minimal client of the Kubernetes API server make test-istio runs: a bearer token over
// HTTPS (the server's self-signed certificate on loopback is not verified), server-side apply of
// YAML documents as `kubectl apply --server-side` does, and reads.
import { request } from "node:https";

export interface KubeResponse {
  status: number;
  body: string;
  json: unknown;
}

export class Kube {
  constructor(readonly server: string, readonly token: string) {}

  call(method: string, path: string, body?: string, contentType = "application/json"): Promise<KubeResponse> {
    const url = new URL(path, this.server);
    return new Promise((resolveCall, reject) => {
      const req = request(url, {
        method,
        rejectUnauthorized: false,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: "application/json",
          ...(body !== undefined ? { "content-type": contentType, "content-length": Buffer.byteLength(body) } : {}),
        },
        timeout: 30_000,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown = null;
          try { json = JSON.parse(text); } catch { /* not JSON */ }
          resolveCall({ status: res.statusCode ?? 0, body: text, json });
        });
      });
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on("error", reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** Server-side apply of one YAML document (kubectl apply --server-side --force-conflicts). */
  apply(doc: string): Promise<KubeResponse> {
    const id = identify(doc);
    return this.call("PATCH", `${resourcePath(id)}?fieldManager=make-test-istio&force=true`, doc, "application/apply-patch+yaml");
  }

  get(path: string): Promise<KubeResponse> {
    return this.call("GET", path);
  }

  delete(path: string): Promise<KubeResponse> {
    return this.call("DELETE", path);
  }
}

export interface ObjectId {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | null;
}

/**
 * apiVersion, kind, metadata.name and metadata.namespace of a YAML document written in block
 * style (the CRDs of istio.io/api and the manifests of istio/render.ts).
 */
export function identify(doc: string): ObjectId {
  const top = (key: string) => new RegExp(`^${key}:[ \\t]*["']?([^"'\\s#]+)`, "m").exec(doc)?.[1];
  const meta = /^metadata:[ \t]*\n((?:[ \t]+.*\n|[ \t]*#.*\n|\s*\n)*)/m.exec(doc.endsWith("\n") ? doc : `${doc}\n`)?.[1] ?? "";
  const inMeta = (key: string) => new RegExp(`^  ${key}:[ \\t]*["']?([^"'\\s#]+)`, "m").exec(meta)?.[1];
  const apiVersion = top("apiVersion");
  const kind = top("kind");
  const name = inMeta("name");
  if (!apiVersion || !kind || !name) throw new Error(`not a Kubernetes object (apiVersion, kind, metadata.name):\n${doc.slice(0, 400)}`);
  return { apiVersion, kind, name, namespace: inMeta("namespace") ?? null };
}

// The kinds make test-istio applies: their plural (resource) names and whether they are namespaced.
const RESOURCES: Record<string, { plural: string; namespaced: boolean }> = {
  CustomResourceDefinition: { plural: "customresourcedefinitions", namespaced: false },
  Namespace: { plural: "namespaces", namespaced: false },
  ServiceEntry: { plural: "serviceentries", namespaced: true },
  Sidecar: { plural: "sidecars", namespaced: true },
  EnvoyFilter: { plural: "envoyfilters", namespaced: true },
  WasmPlugin: { plural: "wasmplugins", namespaced: true },
  TrafficExtension: { plural: "trafficextensions", namespaced: true },
  PeerAuthentication: { plural: "peerauthentications", namespaced: true },
};

export function resourcePath({ apiVersion, kind, name, namespace }: ObjectId): string {
  const r = RESOURCES[kind];
  if (!r) throw new Error(`kind ${kind}: not one make test-istio applies`);
  const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  if (r.namespaced && !namespace) throw new Error(`${kind} ${name}: metadata.namespace missing`);
  return `${base}${r.namespaced ? `/namespaces/${namespace}` : ""}/${r.plural}/${name}`;
}
