# A billing mapping is imported by <tenant_id>/<contract_service_id>: the
# Petra tenant ID and the id of the contract's service line (listed as
# contract_service_id by the petra_autotask_contracts data source). The
# contract, service, company and current units are read from Autotask.
terraform import 'petra_autotask_billing_mapping.tenant["ZZk90t"]' ZZk90t/29684012
