# The ID is "<tenant_id>/<contract_id>/<service_id>" (the mapping's id);
# "<tenant_id>/<contract_service_id>" is accepted too. The company, the line
# and the units in effect today are read from Autotask; the next plan shows
# any difference from the configuration.
import {
  to = petra_autotask_billing_mapping.tenant["ZZk90t"]
  id = "ZZk90t/29684012/29683996"
}
