// Walking a list: GreenLake lists answer { items, offset, count, total }; the pages are fetched
// with growing offsets until `total` items were seen (or a page comes back empty, should the
// total change meanwhile).
export interface Page<T> {
  items: T[];
  offset?: number;
  count?: number;
  total?: number;
}

export async function* walkPages<T>(fetchPage: (offset: number) => Promise<Page<T>>): AsyncGenerator<T> {
  let offset = 0;
  for (;;) {
    const page = await fetchPage(offset);
    for (const item of page.items) yield item;
    offset += page.items.length;
    if (page.items.length === 0 || (page.total !== undefined && offset >= page.total)) return;
  }
}
