/** The runs table's filter and sort, kept while the user visits other pages. */
import { create } from 'zustand';
import { DEFAULT_SORT, EMPTY_FILTER, type RunFilter, type Sort } from './run-filters';

interface TableState {
  filter: RunFilter;
  sort: Sort;
  setFilter(patch: Partial<RunFilter>): void;
  clearFilter(): void;
  sortBy(column: Sort['column']): void;
}

export const useRunsTable = create<TableState>()((set) => ({
  filter: EMPTY_FILTER,
  sort: DEFAULT_SORT,
  setFilter: (patch) => set((s) => ({ filter: { ...s.filter, ...patch } })),
  clearFilter: () => set({ filter: EMPTY_FILTER }),
  // A new column sorts descending for numbers and dates, ascending for text; the same column flips.
  sortBy: (column) =>
    set((s) => ({
      sort:
        s.sort.column === column
          ? { column, dir: s.sort.dir === 'asc' ? 'desc' : 'asc' }
          : { column, dir: ['name', 'status', 'preset', 'dataset', 'backend'].includes(column) ? 'asc' : 'desc' },
    })),
}));
