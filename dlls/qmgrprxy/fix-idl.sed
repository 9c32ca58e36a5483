# Wine's widl reads "[out, ref] LPWSTR *p" as a reference pointer to a
# reference pointer, so the proxy refuses the string the stub sends back
# (RPC_X_NULL_REF_POINTER).  Only the outer pointer is [ref], as MIDL
# reads it; the string itself is an ordinary unique pointer.
s/\[out, *ref\] *LPWSTR/[out] LPWSTR/
s/\[out, *size_is(, *20), *ref\] *BYTE/[out, size_is(, 20)] BYTE/
# Input strings travel as unique pointers, so that a NULL reaches the
# service and gets the documented E_INVALIDARG instead of the proxy's
# RPC_X_NULL_REF_POINTER.  Our proxy is the one registered in the prefix,
# so both ends agree on this.
s/\[in\] LPCWSTR/[in, unique] LPCWSTR/
s/^\( *\)LPCWSTR Val);/\1[in, unique] LPCWSTR Val);/
