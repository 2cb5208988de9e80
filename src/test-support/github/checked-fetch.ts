import type { GitHubContract } from './contract.ts';

/** One request and its answer as they went over the wire, with what the contract found wrong. */
export interface Exchange {
  method: string;
  url: string;
  /** Absent when no answer came (a dropped connection: `error` says why). */
  status?: number;
  /** Set when fetch followed a redirect: the answer is the target's, which the operation does not describe. */
  redirectedTo?: string;
  error?: string;
  problems: string[];
}

export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface CheckedFetch extends Fetch {
  /** Every exchange so far, in order. */
  readonly exchanges: Exchange[];
  /** Every problem of every exchange, each naming its operation: a test expects this to be empty. */
  readonly problems: string[];
}

/**
 * A fetch that holds every request and response against GitHub's description before handing the
 * response on unread (its body is read from a clone). Give it to Octokit as `request.fetch`, or
 * call it in front of a test server. Problems are recorded, never thrown, so the code under test
 * runs as it would against GitHub and the test asserts on `problems` at the end.
 */
export function contractCheckedFetch(contract: GitHubContract, fetchImpl: Fetch = fetch): CheckedFetch {
  const exchanges: Exchange[] = [];
  const checked = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    // One Request, so a streamed body can be read from a clone and still be sent whole.
    const request = new Request(input, init);
    const sentBody = await bodyBytes(request.clone());
    const exchange: Exchange = {
      method: request.method,
      url: request.url,
      problems: contract.checkRequest({ method: request.method, url: request.url, headers: request.headers, body: sentBody }),
    };
    exchanges.push(exchange);
    let response: Response;
    try {
      response = await fetchImpl(request);
    } catch (error) {
      exchange.error = (error as Error).message;
      throw error;
    }
    exchange.status = response.status;
    if (response.redirected) exchange.redirectedTo = response.url;
    else {
      const body = await bodyBytes(response.clone());
      exchange.problems.push(
        ...contract.checkResponse({
          method: request.method,
          url: request.url,
          status: response.status,
          headers: response.headers,
          body: body ?? '',
        }),
      );
    }
    return response;
  };
  return Object.defineProperties(checked, {
    exchanges: { value: exchanges },
    problems: { get: () => exchanges.flatMap((exchange) => exchange.problems) },
  }) as CheckedFetch;
}

async function bodyBytes(message: Request | Response): Promise<Uint8Array | undefined> {
  return message.body === null ? undefined : new Uint8Array(await message.arrayBuffer());
}
