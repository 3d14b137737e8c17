// Entra records as exported through diagnostic settings ({ time, category, operationName,
// properties }), shaped after Microsoft's samples (elastic/integrations' audit and sign-in logs:
// "Add service principal credentials", "Sign-in activity") and the audit activity reference
// ("User registered security info", Authentication Methods, UserManagement).
export const ADA = { id: '2ce8a1f4-7c1e-4d6a-9a51-5d0c1e9f0a11', upn: 'ada@contoso.example' };
export const SP = { id: 'a7d5c0de-3b1f-4e5a-8c2d-9f1e2d3c4b5a', name: 'billing-test-wus' };
export const USERS = { [ADA.id]: { kind: 'employee', roles: ['application-admin'], capabilities: ['manageWorkloadIdentities'], factors: [{ id: 'fido-ada', type: 'webauthnRoaming', enrolledAt: '2025-01-10T09:00:00Z' }] } };

const iso = (ms) => new Date(ms).toISOString().replace('Z', '0000+00:00');
let seq = 0;
const id = () => `0f1e2d3c-0000-4000-8000-${String(++seq).padStart(12, '0')}`;

/** An interactive sign-in to the Azure portal with a password and the FIDO2 key. */
export function signIn(at, { user = ADA, ip = '198.51.100.7' } = {}) {
  return {
    time: iso(at), operationName: 'Sign-in activity', category: 'SignInLogs', resultType: '0', callerIpAddress: ip,
    properties: {
      id: id(), createdDateTime: iso(at), userPrincipalName: user.upn, userId: user.id, userDisplayName: 'Ada',
      appId: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c', appDisplayName: 'Azure Portal', ipAddress: ip, clientAppUsed: 'Browser', correlationId: id(),
      status: { errorCode: 0 }, isInteractive: true, location: { city: 'Oslo', countryOrRegion: 'NO', geoCoordinates: { latitude: 59.91, longitude: 10.75 } },
      conditionalAccessStatus: 'success', riskLevelDuringSignIn: 'none', riskState: 'none', riskEventTypes_v2: [],
      authenticationDetails: [
        { authenticationStepDateTime: iso(at - 30_000), authenticationMethod: 'Password', succeeded: true, authenticationStepRequirement: 'Primary authentication' },
        { authenticationStepDateTime: iso(at), authenticationMethod: 'FIDO2 security key', succeeded: true, authenticationStepRequirement: 'Multifactor authentication' },
      ],
      authenticationRequirement: 'multiFactorAuthentication', userType: 'Member',
    },
  };
}

/** "User registered security info": the user added Microsoft Authenticator (push and code). */
export function registeredSecurityInfo(at, { user = ADA, ip = '203.0.113.50' } = {}) {
  return {
    time: iso(at), operationName: 'User registered security info', category: 'AuditLogs', resultSignature: 'None', callerIpAddress: ip,
    properties: {
      id: `UserManagement_${id()}`, category: 'UserManagement', correlationId: id(), result: 'success',
      resultReason: 'User registered Authenticator App with Notification and Code', activityDisplayName: 'User registered security info',
      activityDateTime: iso(at), loggedByService: 'Authentication Methods', operationType: 'Add',
      initiatedBy: { user: { id: user.id, displayName: null, userPrincipalName: user.upn, ipAddress: ip, roles: [] } },
      targetResources: [{ id: user.id, displayName: null, type: 'User', userPrincipalName: user.upn, modifiedProperties: [], administrativeUnits: [] }],
      additionalDetails: [],
    },
  };
}

/** "Add service principal credentials" by the user: a third key on the service principal. */
export function addServicePrincipalCredentials(at, { user = ADA, sp = SP, ip = '203.0.113.50', app = false } = {}) {
  return {
    time: iso(at), operationName: 'Add service principal credentials', category: 'AuditLogs', callerIpAddress: ip,
    properties: {
      id: `Directory_${id()}`, category: 'ApplicationManagement', correlationId: id(), result: 'success', resultReason: '',
      activityDisplayName: 'Add service principal credentials', activityDateTime: iso(at), loggedByService: 'Core Directory', operationType: 'Update',
      initiatedBy: app
        ? { app: { appId: null, displayName: 'Managed Service Identity', servicePrincipalId: 'b981f2a7-0000-4000-8000-000000000001', servicePrincipalName: null } }
        : { user: { id: user.id, displayName: null, userPrincipalName: user.upn, ipAddress: ip, roles: [] } },
      targetResources: [{
        id: sp.id, displayName: sp.name, type: 'ServicePrincipal',
        modifiedProperties: [
          { displayName: 'KeyDescription', oldValue: '["[KeyIdentifier=7dff1a2b-0000-4000-8000-000000000001,KeyType=AsymmetricX509Cert,KeyUsage=Verify,DisplayName=CN=billing]"]', newValue: '["[KeyIdentifier=7dff1a2b-0000-4000-8000-000000000001,KeyType=AsymmetricX509Cert,KeyUsage=Verify,DisplayName=CN=billing]","[KeyIdentifier=9e0c3d4e-0000-4000-8000-000000000002,KeyType=Password,KeyUsage=Verify,DisplayName=ci]"]' },
          { displayName: 'Included Updated Properties', oldValue: null, newValue: '"KeyDescription"' },
        ],
      }],
      additionalDetails: [{ key: 'User-Agent', value: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)' }],
    },
  };
}
