import {
  ApiException,
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  RequestContext,
  type KubeConfig,
  type KubernetesObject,
  type V1Status,
} from '@kubernetes/client-node';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Items per request; 0 lists everything in one response. */
  pageSize?: number;
  /** The Accept header (default application/json), e.g. metadataListAccept for metadata only. */
  accept?: string;
  signal?: AbortSignal;
}

/**
 * Asks the API server for objects' metadata only (PartialObjectMetadata): names, namespaces, labels,
 * annotations, owners and versions, never a Secret's data. The list form for lists, the other for watches.
 */
export const metadataListAccept = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
export const metadataAccept = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

export interface ListResult<T> {
  /** The resourceVersion of the list: a watch from it misses nothing that happened after the list. */
  resourceVersion: string;
  items: T[];
}

interface ListBody<T> {
  kind?: string;
  apiVersion?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

const http = new IsomorphicFetchHttpLibrary();

/**
 * GETs a Kubernetes API path and returns the parsed JSON as the server sent it. Unlike the generated
 * clients it does not convert timestamps to Date objects, so listed objects look exactly like watched ones.
 */
export async function getJson<T>(
  kc: KubeConfig,
  path: string,
  query: Record<string, string | undefined>,
  signal?: AbortSignal,
  accept = 'application/json',
): Promise<T> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server + path);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(name, value);
  }
  const request = new RequestContext(url.toString(), HttpMethod.GET);
  request.setHeaderParam('Accept', accept);
  if (signal) request.setSignal(signal);
  await kc.applySecurityAuthentication(request);
  const response = await http.send(request).toPromise();
  const text = await response.body.text();
  if (response.httpStatusCode < 200 || response.httpStatusCode > 299) {
    const status = parseStatus(text);
    throw new ApiException<V1Status | string>(
      response.httpStatusCode,
      `GET ${path}: ${status?.message ?? (text.slice(0, 200) || `HTTP ${response.httpStatusCode}`)}`,
      status ?? text,
      response.headers,
    );
  }
  return JSON.parse(text) as T;
}

function parseStatus(text: string): V1Status | undefined {
  try {
    const body = JSON.parse(text) as V1Status;
    return body.kind === 'Status' ? body : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Lists every object at a collection path (e.g. `/api/v1/namespaces/x/secrets`), page by page. If the
 * server has forgotten the snapshot the pages come from (410 on a continue token), it lists again in one
 * request. Items get the kind and apiVersion that list responses leave out.
 */
export async function listAll<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  options: ListOptions = {},
): Promise<ListResult<T>> {
  const pageSize = options.pageSize ?? 500;
  try {
    return await listPages<T>(kc, path, options, pageSize);
  } catch (err) {
    if (pageSize > 0 && err instanceof ApiException && err.code === 410) {
      return listPages<T>(kc, path, options, 0);
    }
    throw err;
  }
}

async function listPages<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  options: ListOptions,
  pageSize: number,
): Promise<ListResult<T>> {
  const items: T[] = [];
  let continueToken: string | undefined;
  let resourceVersion = '';
  do {
    const page = await getJson<ListBody<T>>(
      kc,
      path,
      {
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        limit: pageSize > 0 ? String(pageSize) : undefined,
        continue: continueToken,
      },
      options.signal,
      options.accept,
    );
    const kind = page.kind?.replace(/List$/, '');
    for (const item of page.items ?? []) {
      items.push({ ...item, kind: item.kind ?? kind, apiVersion: item.apiVersion ?? page.apiVersion });
    }
    resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    continueToken = page.metadata?.continue || undefined;
  } while (continueToken);
  return { resourceVersion, items };
}
