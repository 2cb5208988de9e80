/**
 * How many bytes of an upload the registry holds, from the `Range` header of its upload status
 * ("0-1048575", or "bytes=0-1048575" per the spec's examples; the end is inclusive). The Debian
 * registry answers "0-0" for an empty upload, so "0-0" reads as nothing stored: a one-byte upload
 * is not something we ever leave behind.
 */
export function storedLength(range: string | string[] | undefined): number {
  const match = /^(?:bytes=)?0-(\d+)$/.exec((Array.isArray(range) ? range[0] : range)?.trim() ?? '');
  const end = match ? Number(match[1]) : 0;
  return end > 0 ? end + 1 : 0;
}
