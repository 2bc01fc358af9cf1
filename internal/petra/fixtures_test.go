package petra

// Realistic bodies shaped after the field tables and examples in
// petra-api.md §A2, with an unknown field added to check tolerance.

const tenantsJSON = `{
  "totalTenants": 2,
  "tenants": [
    {"petraTenantId": "Y3mPqr", "name": "Acme Dental", "microsoftTenantId": "5b1e3c2a-8f4d-4c1b-9e7a-2d6f0a9b8c71",
     "isPaused": false, "onboardingDate": "2025-01-15T00:00:00.000Z", "region": "us"},
    {"petraTenantId": "ZZk90t", "name": "Zephyr Logistics", "microsoftTenantId": "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f",
     "isPaused": true, "onboardingDate": "2024-11-02T14:30:00.000Z"}
  ]
}`

const usageJSON = `{
  "asOf": "2025-02-01",
  "reportGeneratedAt": "2025-02-01T08:15:30.123Z",
  "organizationName": "Northwind MSP",
  "totalTenants": 2,
  "tenants": [
    {"petraTenantId": "ZZk90t", "microsoftTenantId": "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f", "onboardingDate": "2024-11-02",
     "displayName": "Zephyr Logistics", "service": "Monitoring", "isPaused": false, "firstBillableDate": "2024-11-16",
     "billableStatus": "Trial", "totalLicensedUsers": 57, "billableUsersThisMonth": 54, "proratingPercentageThisMonth": 123,
     "notes": "ignored"},
    {"petraTenantId": "Y3mPqr", "microsoftTenantId": "5b1e3c2a-8f4d-4c1b-9e7a-2d6f0a9b8c71", "onboardingDate": "2025-01-15",
     "displayName": "Acme Dental", "service": "Autopsy", "isPaused": true, "firstBillableDate": null,
     "billableStatus": "Active", "totalLicensedUsers": 12, "billableUsersThisMonth": 0, "proratingPercentageThisMonth": 41.9}
  ]
}`

const billableUsersJSON = `{
  "tenantId": "ZZk90t",
  "tenantDisplayName": "Zephyr Logistics",
  "microsoftTenantId": "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f",
  "reportGeneratedAt": "2025-02-03T10:00:00Z",
  "totalBillableUsers": 2,
  "projectedBillableUnitsThisMonth": 37,
  "users": [
    {"id": "6f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b", "displayName": "Ada Byron", "userPrincipalName": "ada@zephyr.example",
     "mail": "ada@zephyr.example", "accountEnabled": true, "assignedLicenseSkuIds": ["05e9a617-0261-4cee-bb44-138d3ef5d965"],
     "deletedAt": null},
    {"id": "7a2b3c4d-5e6f-4a1b-9c8d-7e6f5a4b3c2d", "displayName": "Bob Rivers", "userPrincipalName": "bob@zephyr.example",
     "mail": "", "accountEnabled": false, "assignedLicenseSkuIds": ["cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46", "f30db892-07e9-47e9-837c-80727f46fd3d"]}
  ]
}`
