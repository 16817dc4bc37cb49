Hmodule dev.azure.com/contoso/platform/_git/orders.git

go 1.22

toolchain go1.22.2

require (
	github.com/Azure/azure-sdk-for-go/sdk/azidentity v1.5.1
	github.com/gin-gonic/gin v1.9.1
	github.com/golang-jwt/jwt/v4 v4.5.0 // indirect
	golang.org/x/crypto v0.21.0
	"github.com/contoso/quoted-path" v0.3.0
	github.com/contoso/shared v0.0.0-20240305101523-4f5e1a2b3c4d
	gopkg.in/yaml.v2 v2.4.0 // indirect; used by gin
)

require github.com/google/uuid v1.6.0

require (
	golang.org/x/net v0.22.0 // indirect
	golang.org/x/sys v0.18.0 // indirect
)

replace github.com/contoso/shared => ../shared

replace golang.org/x/crypto v0.21.0 => golang.org/x/crypto v0.22.0

replace (
	github.com/gin-gonic/gin => github.com/contoso/gin v1.9.1-contoso.1
)

exclude golang.org/x/net v0.21.0

retract v1.0.1 // published by mistake
