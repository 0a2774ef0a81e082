import { useEffect } from 'react';
import { useModelsStore } from '../../stores/modelsStore';
import { AliasDialog } from './AliasDialog';
import { ModelDetail } from './ModelDetail';
import { ModelList } from './ModelList';
import { RegisterDialog } from './RegisterDialog';

export function ModelsScreen() {
  const current = useModelsStore((s) => s.current);
  const registerOpen = useModelsStore((s) => s.registerOpen);
  const aliasDialog = useModelsStore((s) => s.aliasDialog);
  const setRegisterOpen = useModelsStore((s) => s.setRegisterOpen);
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
