/** The media types Apollo answers a GraphQL request with; HTML must beat all of them. */
const GRAPHQL_TYPES = ['application/json', 'application/graphql-response+json'];

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(header: string): MediaRange[] {
  return header.split(',').flatMap((part) => {
    const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const [type, subtype] = range.split('/');
    if (!type || !subtype) return [];
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    return Number.isFinite(q) ? [{ type, subtype, q }] : [];
  });
}

/** 2 for `type/subtype`, 1 for `type/*`, 0 for `*∕*`, -1 when the range does not match. */
function specificity(range: MediaRange, type: string, subtype: string): number {
  if (range.type === type) return range.subtype === subtype ? 2 : range.subtype === '*' ? 1 : -1;
  return range.type === '*' && range.subtype === '*' ? 0 : -1;
}

/** RFC 9110 §12.5.1: the most specific matching range sets a type's quality. */
function quality(ranges: readonly MediaRange[], mediaType: string): number {
  const [type = '', subtype = ''] = mediaType.split('/');
  let best = { specificity: -1, q: 0 };
  for (const range of ranges) {
    const s = specificity(range, type, subtype);
    if (s > best.specificity) best = { specificity: s, q: range.q };
  }
  return best.q;
}

/**
 * Whether an `Accept` header prefers `text/html` over every GraphQL response
 * type (RFC 9110 §12.5.1): true for a browser's navigation, false for `*∕*`
 * (curl), a missing header or any GraphQL client. A tie goes to JSON, as in
 * Apollo's own negotiation.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = parseAccept(accept);
  const html = quality(ranges, 'text/html');
  return html > 0 && GRAPHQL_TYPES.every((type) => html > quality(ranges, type));
}
