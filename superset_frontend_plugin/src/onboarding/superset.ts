// What Start a run reads from Superset's own API, as the user: the databases, a database's schemas and tables (a
// table source), and the datasets (the target). Superset answers only what the user may see.

import { call } from '../workspace/client';

export interface Named {
  id: number;
  name: string;
}

/** A value of Superset's rison query arguments, quoted ('!' and "'" escaped as rison wants). */
export function risonString(value: string): string {
  return `'${value.replace(/!/g, '!!').replace(/'/g, "!'")}'`;
}

const q = (rison: string) => `?q=${encodeURIComponent(rison)}`;

export const supersetApi = {
  databases: async (): Promise<Named[]> => {
    const answer = await call<{ result: Array<{ id: number; database_name: string }> }>(
      'GET', `/api/v1/database/${q('(page_size:100,order_column:database_name,order_direction:asc)')}`);  // prettier-ignore
    return answer.result.map((db) => ({ id: db.id, name: db.database_name }));
  },
  schemas: async (databaseId: number): Promise<string[]> =>
    (await call<{ result: string[] }>('GET', `/api/v1/database/${databaseId}/schemas/`)).result,
  tables: async (databaseId: number, schema: string): Promise<string[]> => {
    const answer = await call<{ result: Array<{ value: string; type?: string }> }>(
      'GET', `/api/v1/database/${databaseId}/tables/${q(`(schema_name:${risonString(schema)})`)}`);  // prettier-ignore
    return answer.result.map((table) => table.value);
  },
  /** Datasets whose name contains `search` (the first 50, by name). */
  datasets: async (search = ''): Promise<Named[]> => {
    const filter = search.trim() ? `,filters:!((col:table_name,opr:ct,value:${risonString(search.trim())}))` : '';
    const answer = await call<{ result: Array<{ id: number; table_name: string; schema?: string | null }> }>(
      'GET', `/api/v1/dataset/${q(`(page_size:50,order_column:table_name,order_direction:asc${filter})`)}`);  // prettier-ignore
    return answer.result.map((ds) => ({ id: ds.id, name: ds.schema ? `${ds.schema}.${ds.table_name}` : ds.table_name }));
  },
};
