import type { TableProfile } from '../../../../shared/datasets';
import type { TableIndex } from '../rowIndex';

/** What the import pass of a table file produces: its profile and how to read it back. */
export interface TableAnalysis {
  profile: TableProfile;
  index: TableIndex;
  /** What the import changed or wants the user to know (a renamed duplicate header, ...). */
  notes?: string[];
}
