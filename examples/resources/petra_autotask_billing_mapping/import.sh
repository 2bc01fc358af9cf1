# A billing mapping is imported by <tenant_id>/<contract_id>/<service_id>:
# the Petra tenant ID, the Autotask contract and the service billed on it.
# The line, company and current units are read from Autotask.
terraform import 'petra_autotask_billing_mapping.tenant["ZZk90t"]' ZZk90t/29684012/29683996

# Or by <tenant_id>/<contract_service_id>, the id of the contract's service
# line (listed as contract_service_id by the petra_autotask_contracts data
# source).
terraform import 'petra_autotask_billing_mapping.tenant["ZZk90t"]' ZZk90t/29684020
