import { useEffect } from 'react';
import type { EventMap } from '../../../shared/contract';
import { useModelsStore } from '../../stores/modelsStore';
import { transport } from '../../transport';
import { AliasDialog } from './AliasDialog';
import { ModelDetail } from './ModelDetail';
import { ModelList } from './ModelList';
import { RegisterDialog } from './RegisterDialog';

/** Engine events -> the models store (another door, the CLI, an export from the Deploy screen). */
export function useModelEvents() {
  useEffect(
    () =>
      transport().subscribe((e) => {
        if (e.type === 'models.changed') useModelsStore.getState().changed((e.data as EventMap['models.changed']).model);
      }),
    [],
  );
}

export function ModelsScreen() {
  const current = useModelsStore((s) => s.current);
  const registerOpen = useModelsStore((s) => s.registerOpen);
  const aliasDialog = useModelsStore((s) => s.aliasDialog);
  const setRegisterOpen = useModelsStore((s) => s.setRegisterOpen);
  useModelEvents();
  useEffect(() => {
    void useModelsStore.getState().loadList();
  }, []);
  return (
    <>
      {current ? <ModelDetail name={current} /> : <ModelList />}
      {registerOpen && <RegisterDialog defaultName={current ?? ''} onClose={() => setRegisterOpen(false)} />}
      {aliasDialog && current && <AliasDialog model={current} initialAlias={aliasDialog.alias} />}
    </>
  );
}
