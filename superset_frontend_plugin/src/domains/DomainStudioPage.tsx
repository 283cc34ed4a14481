// The page of its own per dataset: /dataset_review/domains/<id> (superset_review/extension/views.py), inside
// Superset's navbar like the workspace.

import { App, Button, ConfigProvider, Space, Typography } from 'antd';
import { t } from '../i18n';
import { FOCUS_CSS, THEME } from '../workspace/Workspace';
import { DomainStudio } from './DomainStudio';

export function DomainStudioPage({ datasetId, datasetName, canCurate }: { datasetId: number; datasetName: string | null; canCurate: boolean }) {
  return (
    <ConfigProvider theme={THEME}>
      <App>
        <style>{FOCUS_CSS}</style>
        <div style={{ maxWidth: 1240, margin: '0 auto', padding: '16px 20px', minWidth: 0 }}>
          <Space direction="vertical" size="middle" style={{ width: '100%' }}>
            <Button href="/dataset_review/" style={{ alignSelf: 'flex-start' }}>← {t('studio.back')}</Button>
            <Typography.Title level={1} style={{ margin: 0, fontSize: 26 }}>
              {datasetName ? t('studio.title', { name: datasetName }) : t('studio.titleId', { id: datasetId })}
            </Typography.Title>
            <DomainStudio datasetId={datasetId} canCurate={canCurate} pageLink={false} />
          </Space>
        </div>
      </App>
    </ConfigProvider>
  );
}
