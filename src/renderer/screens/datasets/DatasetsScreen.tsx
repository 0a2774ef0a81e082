import { useEffect } from 'react';
import { useDatasetsStore } from '../../stores/datasetsStore';
import { AddDatasetDialog } from './AddDatasetDialog';
import { DatasetDetail } from './DatasetDetail';
import { DatasetList } from './DatasetList';

export function DatasetsScreen() {
  const current = useDatasetsStore((s) => s.current);
  const addOpen = useDatasetsStore((s) => s.addOpen);
  useEffect(() => {
    void useDatasetsStore.getState().loadList();
  }, []);
  return (
    <>
      {current ? <DatasetDetail name={current} /> : <DatasetList />}
      {addOpen && <AddDatasetDialog defaultName={current ?? ''} />}
    </>
  );
}
