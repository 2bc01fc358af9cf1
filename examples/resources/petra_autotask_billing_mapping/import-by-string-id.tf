# The ID is "<tenant_id>/<contract_service_id>". The company, contract,
# service and the units in effect today are read from Autotask; the next plan
# shows any difference from the configuration.
import {
  to = petra_autotask_billing_mapping.tenant["ZZk90t"]
  id = "ZZk90t/29684012"
}
