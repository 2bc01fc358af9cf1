# The ID is "<petra tenant id>/<autotask company id>".
import {
  to = petra_autotask_tenant_mapping.harbor_dental
  id = "ZZk90t/1001"
}
